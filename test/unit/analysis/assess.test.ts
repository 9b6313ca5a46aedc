// AnalysisRun limits and phase aggregation on synthetic measurement sequences.
import assert from "node:assert/strict";
import { test } from "node:test";
import { effectiveCount, metricPhase, nextDue, record, runPhase } from "../../../src/analysis/assess.ts";
import type { AnalysisPhase, Measurement, Metric, MetricResult } from "../../../src/api/analysis.ts";

const T0 = Date.parse("2026-11-26T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function feed(
  metric: Metric,
  phases: AnalysisPhase[],
  retention = 10,
): { result: MetricResult; trail: AnalysisPhase[] } {
  let result: MetricResult = { name: metric.name, phase: "Pending" };
  const trail: AnalysisPhase[] = [];
  phases.forEach((phase, i) => {
    const m: Measurement = {
      phase,
      startedAt: at(i),
      finishedAt: at(i),
      ...(phase === "Error" ? { message: "boom" } : {}),
    };
    result = record(result, m, retention);
    result = { ...result, ...metricPhase(metric, result) };
    trail.push(result.phase);
  });
  return { result, trail };
}

test("effective count: count, one without interval, unbounded with only an interval", () => {
  assert.equal(effectiveCount({ name: "m" }), 1);
  assert.equal(effectiveCount({ name: "m", count: 3, interval: "1s" }), 3);
  assert.equal(effectiveCount({ name: "m", count: "5" }), 5);
  assert.equal(effectiveCount({ name: "m", interval: "1m" }), Number.POSITIVE_INFINITY);
});

test("count reached with all successes: Successful", () => {
  const { trail } = feed({ name: "m", count: 3, interval: "1s" }, ["Successful", "Successful", "Successful"]);
  assert.deepEqual(trail, ["Running", "Running", "Successful"]);
});

test("failureLimit: more than N failures fail the metric", () => {
  assert.deepEqual(feed({ name: "m", count: 5, interval: "1s" }, ["Successful", "Failed"]).trail, [
    "Running",
    "Failed",
  ]);
  const lenient = feed({ name: "m", count: 5, interval: "1s", failureLimit: 2 }, [
    "Failed",
    "Failed",
    "Successful",
    "Failed",
  ]);
  assert.deepEqual(lenient.trail, ["Running", "Running", "Running", "Failed"]);
  const disabled = feed({ name: "m", count: 3, interval: "1s", failureLimit: -1 }, [
    "Failed",
    "Failed",
    "Failed",
  ]);
  assert.equal(disabled.trail.at(-1), "Successful", "-1 disables the failure limit");
});

test("inconclusiveLimit and consecutiveErrorLimit", () => {
  assert.deepEqual(feed({ name: "m", count: 3, interval: "1s" }, ["Inconclusive"]).trail, ["Inconclusive"]);
  const errors = feed({ name: "m", count: 3, interval: "1s", consecutiveErrorLimit: 2 }, [
    "Error",
    "Error",
    "Error",
  ]);
  assert.deepEqual(errors.trail, ["Running", "Running", "Error"]);
  assert.match(errors.result.message ?? "", /3 consecutive errors, more than consecutiveErrorLimit 2: boom/);
  const recovered = feed({ name: "m", count: 2, interval: "1s", consecutiveErrorLimit: 2 }, [
    "Error",
    "Error",
    "Successful",
    "Error",
    "Successful",
  ]);
  assert.equal(
    recovered.trail.at(-1),
    "Successful",
    "a success resets the streak; errors do not count toward count",
  );
  assert.equal(recovered.result.error, 3);
  assert.equal(recovered.result.count, 2);
});

test("measurements are kept up to the retention limit; counters keep counting", () => {
  const { result } = feed(
    { name: "m", interval: "1s" },
    Array.from({ length: 25 }, () => "Successful" as const),
    10,
  );
  assert.equal(result.measurements?.length, 10);
  assert.equal(result.successful, 25);
  assert.equal(result.phase, "Running", "interval without count runs until terminated");
});

test("scheduling: initialDelay, interval, 10 s after an error, done when counted", () => {
  const metric: Metric = { name: "m", count: 2, interval: "30s", initialDelay: "5s" };
  assert.equal(nextDue(metric, undefined, T0), T0 + 5000);
  const one = record(
    { name: "m", phase: "Running" },
    { phase: "Successful", startedAt: at(5), finishedAt: at(6) },
    10,
  );
  assert.equal(nextDue(metric, one, T0), T0 + 36_000);
  const err = record(one, { phase: "Error", startedAt: at(36), finishedAt: at(37) }, 10);
  assert.equal(nextDue(metric, err, T0), T0 + 47_000);
  const two = record(err, { phase: "Successful", startedAt: at(47), finishedAt: at(47) }, 10);
  assert.equal(nextDue(metric, two, T0), undefined);
  assert.equal(
    nextDue(metric, { ...one, phase: "Failed" }, T0),
    undefined,
    "a completed metric measures no more",
  );
});

test("run phase: worst of the metrics, early stop, dry-run metrics never decide, terminate", () => {
  assert.equal(runPhase([{ phase: "Successful" }, { phase: "Successful" }]), "Successful");
  assert.equal(runPhase([{ phase: "Successful" }, { phase: "Running" }]), "Running");
  assert.equal(runPhase([{ phase: "Running" }, { phase: "Failed" }]), "Failed", "stops early");
  assert.equal(runPhase([{ phase: "Inconclusive" }, { phase: "Error" }]), "Error");
  assert.equal(runPhase([{ phase: "Error" }, { phase: "Failed" }]), "Failed");
  assert.equal(runPhase([{ phase: "Successful" }, { phase: "Failed", dryRun: true }]), "Successful");
  assert.equal(runPhase([{ phase: "Running" }], true), "Successful", "terminated with nothing failed");
});
