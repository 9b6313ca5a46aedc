// The latest measurement's value as sluice_analysis_run_metric_value charts it: one number, from
// the shapes providers store (scalar, one-element vector), nothing for anything else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { latestValue, seriesOf } from "../../../src/analysis/metrics.ts";
import type { MetricResult } from "../../../src/api/analysis.ts";

const withValues = (...values: (string | undefined)[]): MetricResult => ({
  name: "success-rate",
  phase: "Running",
  measurements: values.map((value) => ({ phase: "Successful", ...(value !== undefined ? { value } : {}) })),
});

test("the latest of the measurements, as a scalar or a one-element vector", () => {
  assert.equal(latestValue(withValues("0.5", "0.98")), 0.98);
  assert.equal(latestValue(withValues("[0.97]")), 0.97);
  assert.equal(latestValue(withValues('["NaN"]')), Number.NaN);
  assert.equal(latestValue(withValues('"Infinity"')), Number.POSITIVE_INFINITY);
});

test("no number: no value (several values, text, a measurement without value, none at all)", () => {
  assert.equal(latestValue(withValues("[1,2]")), undefined);
  assert.equal(latestValue(withValues('"ok"')), undefined);
  assert.equal(latestValue(withValues('{"a":1}')), undefined);
  assert.equal(latestValue(withValues("0.9", undefined)), undefined);
  assert.equal(latestValue(withValues("not json... (4000 characters, truncated)")), undefined);
  assert.equal(latestValue({ name: "m", phase: "Pending" }), undefined);
});

test("seriesOf keeps phase for every metric and a value only where there is one", () => {
  assert.deepEqual(seriesOf([withValues("[0.99]"), { name: "other", phase: "Error" }]), [
    { metric: "success-rate", phase: "Running", value: 0.99 },
    { metric: "other", phase: "Error" },
  ]);
});
