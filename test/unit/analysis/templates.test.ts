import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeTemplates } from "../../../src/analysis/templates.ts";

const rate = {
  name: "success-rate",
  spec: {
    args: [{ name: "service" }, { name: "threshold", value: "0.95" }],
    metrics: [{ name: "rate", successCondition: "result[0] >= {{args.threshold}}" }],
    dryRun: [{ metricName: "rate" }],
  },
};
const latency = {
  name: "latency",
  spec: {
    args: [{ name: "service" }],
    metrics: [{ name: "p99" }],
    measurementRetention: [{ metricName: "p99", limit: 3 }],
  },
};

test("templates merge into one run; supplied args win over template defaults", () => {
  const spec = mergeTemplates(
    [rate, latency],
    [
      { name: "service", value: "web" },
      { name: "threshold", value: "0.99" },
    ],
  );
  assert.deepEqual(
    spec.metrics?.map((m) => m.name),
    ["rate", "p99"],
  );
  assert.deepEqual(spec.args, [
    { name: "service", value: "web" },
    { name: "threshold", value: "0.99" },
  ]);
  assert.deepEqual(spec.dryRun, [{ metricName: "rate" }]);
  assert.deepEqual(spec.measurementRetention, [{ metricName: "p99", limit: 3 }]);
});

test("a missing argument, a metric in two templates, conflicting argument defaults are errors", () => {
  assert.throws(() => mergeTemplates([rate]), /argument "service" has no value/);
  assert.throws(
    () =>
      mergeTemplates(
        [rate, { name: "again", spec: { metrics: [{ name: "rate" }] } }],
        [{ name: "service", value: "x" }],
      ),
    /metric "rate" is in both template success-rate and again/,
  );
  assert.throws(
    () =>
      mergeTemplates(
        [rate, { name: "other", spec: { args: [{ name: "threshold", value: "0.5" }] } }],
        [{ name: "service", value: "x" }],
      ),
    /argument "threshold" is defined differently/,
  );
  const secret = mergeTemplates(
    [latency],
    [{ name: "service", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
  );
  assert.equal(secret.args?.[0]?.valueFrom?.secretKeyRef?.name, "s");
});
