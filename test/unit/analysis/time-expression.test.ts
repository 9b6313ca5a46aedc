// rangeQuery.start/end time expressions: the forms the peer's users write, and a positioned error
// naming the field for everything outside the whitelist.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateTime, TimeExpressionError } from "../../../src/analysis/time-expression.ts";
import { resolveRange } from "../../../src/metricproviders/prometheus/range.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;

test("valid time expressions evaluate against now()", () => {
  const table: [string, number][] = [
    ["now()", NOW],
    ['now() - duration("5m")', NOW - 5 * M],
    ["now()-duration('30s')", NOW - 30 * S],
    ["now() - duration(`1h30m`)", NOW - 90 * M],
    ['now() + duration("1.5h")', NOW + 1.5 * H],
    ['duration("10m") + now()', NOW + 10 * M],
    ['now() - duration("1h") + duration("30s")', NOW - H + 30 * S],
    ['now() - (duration("1h") + duration("5m"))', NOW - 65 * M],
    ['now() - (duration("1h") - duration("5m"))', NOW - 55 * M],
    ['  ( now() )  -  duration( "250ms" ) ', NOW - 250],
    ['now() - duration("300")', NOW - 300 * S],
    ['now() - duration("0s")', NOW],
  ];
  for (const [expression, want] of table) {
    assert.equal(evaluateTime(expression, NOW), want, expression);
  }
});

test("anything outside now(), duration(), + and - is an error with field and position", () => {
  const table: [string, number, RegExp][] = [
    ["", 0, /empty expression/],
    ["   ", 0, /empty expression/],
    ['now() * duration("5m")', 6, /unexpected "\*"/],
    ["now() - 300", 8, /a bare number is not a duration: write duration\("300s"\)/],
    ['date("2024-01-01")', 0, /unknown function date/],
    ["process", 0, /unknown name process/],
    ['now() - duration("5m").Hours()', 22, /unexpected "\."/],
    ["now(1)", 4, /expected "\)": now\(\) takes no arguments, found "1"/],
    ['duration("5m", "1m")', 13, /duration\(\) takes one argument, found ","/],
    ["duration(5)", 9, /expected a quoted duration such as "5m", found "5"/],
    ['now() - duration("5 minutes")', 17, /"5 minutes" is not a duration/],
    ['now() - duration("")', 17, /"" is not a duration/],
    ['now() - duration("5m', 17, /unterminated string/],
    ['now() - duration("5\\m")', 17, /escapes are not supported/],
    ['duration("5m")', 0, /is a duration, not a time/],
    ["now() + now()", 6, /cannot add two times/],
    ["now() - now()", 6, /cannot subtract two times/],
    ['duration("5m") - now()', 15, /cannot subtract a time from a duration/],
    ["now() now()", 6, /unexpected "now"/],
    ["(now()", 6, /expected "\)", found end of expression/],
    ["now() -", 7, /expected now\(\) or duration\("…"\), found end of expression/],
    ['now() - duration("99999999999999h")', 0, /out of the range of times/],
    ["constructor.constructor('x')()", 11, /unexpected "\."/],
    ["__proto__", 0, /unknown name __proto__/],
  ];
  for (const [expression, position, reason] of table) {
    assert.throws(
      () => evaluateTime(expression, NOW, "prometheus.rangeQuery.start"),
      (e: Error) => {
        assert.ok(e instanceof TimeExpressionError, `${expression}: ${e}`);
        assert.equal(e.field, "prometheus.rangeQuery.start");
        assert.equal(e.position, position, `${expression}: ${e.message}`);
        assert.match(e.message, reason, expression);
        assert.ok(
          e.message.startsWith(`prometheus.rangeQuery.start "${expression}": `),
          `the message names field and expression: ${e.message}`,
        );
        assert.match(e.message, new RegExp(`at position ${position}$`));
        return true;
      },
    );
  }
});

test("resolveRange gives unix seconds, a step in seconds and readable metadata", () => {
  const range = resolveRange({ start: 'now() - duration("5m")', end: "now()", step: "1m" }, NOW + 123);
  assert.deepEqual(range.params, {
    start: String((NOW + 123 - 5 * M) / 1000),
    end: String((NOW + 123) / 1000),
    step: "60",
  });
  assert.deepEqual(range.metadata, {
    ResolvedPrometheusRangeQueryStart: "2024-06-01T11:55:00.123Z",
    ResolvedPrometheusRangeQueryEnd: "2024-06-01T12:00:00.123Z",
    ResolvedPrometheusRangeQueryStep: "60s",
  });
  assert.equal(resolveRange({ start: "now()", end: "now()", step: "500ms" }, NOW).params.step, "0.5");
});

test("resolveRange errors name the rangeQuery field", () => {
  const table: [Parameters<typeof resolveRange>[0], RegExp][] = [
    [{ end: "now()", step: "1m" }, /^prometheus\.rangeQuery\.start is required/],
    [{ start: "now()", end: " ", step: "1m" }, /^prometheus\.rangeQuery\.end is required/],
    [{ start: "now()", end: "now()" }, /^prometheus\.rangeQuery\.step is required/],
    [{ start: "now()", end: "now()", step: "0s" }, /^prometheus\.rangeQuery\.step must be greater than 0/],
    [
      { start: "now()", end: "now()", step: "1 minute" },
      /^prometheus\.rangeQuery\.step: "1 minute" is not a duration/,
    ],
    [
      { start: "now() ** 2", end: "now()", step: "1m" },
      /^prometheus\.rangeQuery\.start "now\(\) \*\* 2": .* at position 6$/,
    ],
    [
      { start: "now()", end: "tomorrow()", step: "1m" },
      /^prometheus\.rangeQuery\.end "tomorrow\(\)": unknown function tomorrow/,
    ],
  ];
  for (const [range, reason] of table) {
    assert.throws(
      () => resolveRange(range, NOW),
      (e: Error) => e instanceof MeasurementError && reason.test(e.message),
      JSON.stringify(range),
    );
  }
});
