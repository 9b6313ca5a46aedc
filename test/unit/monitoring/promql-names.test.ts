// The extractor behind "every metric the dashboard and the alerts use is exposed": it must find each
// metric an expression reads and nothing else (no functions, keywords, label names, durations).
import assert from "node:assert/strict";
import { test } from "node:test";
import { metricNames, seriesNames } from "../../tools/promql-names.ts";

test("names with and without selectors, ranges and offsets", () => {
  assert.deepEqual(metricNames("up"), ["up"]);
  assert.deepEqual(metricNames('sluice_leader{job="x"}'), ["sluice_leader"]);
  assert.deepEqual(metricNames("rate(sluice_a_total[5m] offset 1h)"), ["sluice_a_total"]);
  assert.deepEqual(metricNames("max_over_time(sluice_b[10m:1m])"), ["sluice_b"]);
  assert.deepEqual(metricNames("sluice_a / on (namespace) group_left (phase) sluice_b"), [
    "sluice_a",
    "sluice_b",
  ]);
});

test("functions, aggregations, keywords, numbers and durations are not names", () => {
  assert.deepEqual(
    metricNames(
      "histogram_quantile(0.99, sum by (le, controller) (rate(sluice_reconcile_duration_seconds_bucket[$__rate_interval])))",
    ),
    ["sluice_reconcile_duration_seconds_bucket"],
  );
  assert.deepEqual(metricNames("(sum(sluice_leader) or vector(0)) < 1"), ["sluice_leader"]);
  assert.deepEqual(metricNames("count without (pod) (x) > bool 1e3 and y unless z"), ["x", "y", "z"]);
  assert.deepEqual(metricNames("topk(5, sum(a) by (b)) == Inf or NaN"), ["a"]);
});

test("label names in braces and grouping lists, strings, comments and Grafana variables are ignored", () => {
  assert.deepEqual(
    metricNames('max by (namespace, name) (sluice_rollout_info{namespace=~"$namespace", phase="Degraded"})'),
    ["sluice_rollout_info"],
  );
  assert.deepEqual(metricNames('label_replace(m, "dst", "$1", "src", "(a b)") # a comment names c'), ["m"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, not a JS template
  assert.deepEqual(metricNames("rate(m[${__interval}])"), ["m"]);
  assert.deepEqual(metricNames("a unless on (namespace, name) (b == 1)"), ["a", "b"]);
});

test("__name__ matchers name metrics too; each name once", () => {
  assert.deepEqual(metricNames('{__name__=~"sluice_a|sluice_b"}'), ["sluice_a", "sluice_b"]);
  assert.deepEqual(metricNames("a + a"), ["a"]);
});

test("a histogram exposes _bucket, _sum and _count; a metric without samples still counts", () => {
  const names = seriesNames(
    [
      "# HELP h A histogram",
      "# TYPE h histogram",
      "# HELP c A counter with no samples yet",
      "# TYPE c counter",
      "# TYPE g gauge",
      "g 1",
    ].join("\n"),
  );
  assert.deepEqual([...names].sort(), ["c", "g", "h_bucket", "h_count", "h_sum"]);
});
