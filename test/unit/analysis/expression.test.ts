// The condition language over `result`, with the reference's examples (NaN, +Inf, empty
// results, missing index) and the peer's success/failure truth table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judge } from "../../../src/analysis/condition.ts";
import {
  compile,
  ExpressionError,
  evaluate,
  unsupportedIn,
  type Value,
} from "../../../src/analysis/expression.ts";

const cases: [string, Value, Value][] = [
  ["result[0] >= 0.95", [0.97], true],
  ["result[0] >= 0.95", [0.9], false],
  ["result >= 0.95", 0.99, true],
  ["result[0] < 0.05 && result[1] < 0.05", [0.01, 0.02], true],
  ["result[0] < 0.05 and result[1] < 0.05", [0.01, 0.2], false],
  ["result[0] > 1 || result[0] < 0", [0.5], false],
  ["result[0] > 1 or not (result[0] > 0)", [-1], true],
  ["!(result[0] == 0)", [1], true],
  ["isNaN(result[0]) || result[0] >= 0.95", [Number.NaN], true],
  ["result[0] >= 0.95", [Number.NaN], false],
  ["isInf(result[0])", [Number.POSITIVE_INFINITY], true],
  ["result[0] > 1000", [Number.POSITIVE_INFINITY], true],
  ["len(result) == 0 || result[0] < 1", [], true],
  ["all(result, # < 1000)", [1, 20, 999], true],
  ["all(result, # < 1000)", [1, 2000], false],
  ["any(result, # > 0.5)", [0.1, 0.7], true],
  ["none(result, isNaN(#))", [1, 2], true],
  ["count(result, # > 1) == 2", [1, 2, 3], true],
  ["sum(result) / len(result) > 2", [1, 2, 6], true],
  ["max(result) - min(result) < 5", [3, 7], true],
  ["len(filter(result, # > 1)) == 1", [1, 5], true],
  ["map(result, # * 2)[1] == 4", [1, 2], true],
  ["default(result, 0) == 0", null, true],
  ["default(result, [1])[0] == 1", [], true],
  ["isNil(result)", null, true],
  ["asInt(result) == 5", "5", true],
  ["asFloat(result) > 0.5", "0.75", true],
  ["result.status == 'ok' && result.latency.p99 < 200", { status: "ok", latency: { p99: 150 } }, true],
  ["result['status'] in ['ok', 'degraded']", { status: "degraded" }, true],
  ["'ok' in result", { ok: true }, true],
  ["result.missing == nil", { other: 1 }, true],
  ["result[0] + result[1] * 2 == 7", [1, 3], true],
  ["result[-1] == 3", [1, 2, 3], true],
  ["result[0] % 2 == 1 ? true : false", [3], true],
  ["2 ** 10 == 1024", 0, true],
];

test("expressions over result evaluate as the peer's do", () => {
  for (const [expression, result, want] of cases) {
    assert.equal(evaluate(expression, result), want, `${expression} with ${JSON.stringify(result)}`);
  }
});

test("an empty result, a missing index or a wrong type is an error with a reason, not a crash", () => {
  const table: [string, Value, RegExp][] = [
    ["result[0] >= 0.95", [], /metric result is nil or empty/],
    ["result[0] >= 0.95", null, /metric result is nil or empty/],
    ["result[2] > 1", [1, 2], /index 2 out of range \(length 2\)/],
    ["result > 1", "high", /> needs a number, got string "high"/],
    ["result[0] && true", [1], /&& needs a boolean, got number 1/],
    ["asInt(result) > 1", "1.5x", /asInt\(\) cannot convert/],
    ["unknown(result)", 1, /function unknown is not supported/],
    ["other > 1", 1, /unknown name other/],
    ["result.constructor", {}, /cannot read field constructor/],
    ["result.__proto__", {}, /cannot read field __proto__/],
    ["result[0] === 1", [1], /operator === is not supported/],
    ["this", 1, /is not supported/],
  ];
  for (const [expression, result, message] of table) {
    assert.throws(
      () => evaluate(expression, result),
      (e: Error) => e instanceof ExpressionError && message.test(e.message) && e.message.includes(expression),
      `${expression}: ${(() => {
        try {
          return JSON.stringify(evaluate(expression, result));
        } catch (e) {
          return (e as Error).message;
        }
      })()}`,
    );
  }
});

test("a malformed expression names the expression and the position", () => {
  assert.throws(
    () => compile("result[0] >= "),
    /expression "result\[0\] >= ": Expected expression after >= at position 13/,
  );
  assert.throws(() => compile("result[0 >= 1"), /expression "result\[0 >= 1": .*at position \d+/);
  assert.throws(() => compile("(result"), /at position/);
});

test("the truth table of successCondition and failureCondition", () => {
  const ok = "result[0] >= 0.95";
  const bad = "result[0] < 0.5";
  assert.deepEqual(judge([0.7]), { phase: "Successful" }, "no conditions");
  assert.deepEqual(judge([0.97], ok), { phase: "Successful" });
  assert.deepEqual(judge([0.7], ok), { phase: "Failed" }, "only success, false");
  assert.deepEqual(judge([0.7], undefined, bad), { phase: "Successful" }, "only failure, false");
  assert.deepEqual(judge([0.3], undefined, bad), { phase: "Failed" });
  assert.deepEqual(judge([0.3], ok, bad), { phase: "Failed" }, "failure wins");
  assert.deepEqual(judge([0.97], ok, bad), { phase: "Successful" });
  assert.deepEqual(judge([0.7], ok, bad), { phase: "Inconclusive" }, "neither holds");
  const empty = judge([], ok);
  assert.equal(empty.phase, "Error");
  assert.match(empty.message ?? "", /metric result is nil or empty/);
  const notBool = judge([1], "result[0] + 1");
  assert.equal(notBool.phase, "Error");
  assert.match(notBool.message ?? "", /must evaluate to true or false, got 2/);
});

test("string operators and ?? from the peer's language", () => {
  assert.equal(evaluate('result contains "ok"', "okay"), true);
  assert.equal(evaluate('result contains "no"', "okay"), false);
  assert.equal(evaluate('result startsWith "ok"', "okay"), true);
  assert.equal(evaluate('result endsWith "ok"', "okay"), false);
  assert.equal(evaluate('result matches "k.y$"', "okay"), true, "matched anywhere, as Go's regexp");
  assert.equal(evaluate('result matches "^k"', "okay"), false);
  assert.equal(evaluate("result ?? 3", null), 3);
  assert.equal(evaluate("result ?? 3", 0), 0);
  assert.equal(evaluate('result[0] ?? "none"', [null]), "none");
  assert.throws(() => evaluate('result contains "x"', 5), /contains needs strings/);
});

test("what sluice cannot evaluate is named before any measurement", () => {
  for (const ok of [
    "result[0] >= 0.95",
    "all(result, # < 1000) && len(result) > 0",
    'result.status contains "ok" or result ?? 1 == 1',
    "isNaN(result) ? false : result > 1",
  ])
    assert.equal(unsupportedIn(ok), undefined, ok);
  assert.match(unsupportedIn("upper(result) == 'X'") ?? "", /function upper is not supported yet/);
  assert.match(unsupportedIn("result | 1") ?? "", /operator \| is not supported yet/);
  assert.match(unsupportedIn("result not in [1]") ?? "", /not supported yet/);
  assert.match(unsupportedIn("result >") ?? "", /expression "result >"/, "a syntax error is named too");
});
