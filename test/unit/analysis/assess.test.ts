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
  // The peer's wording; the last measurement's message joins it in the run's message.
  assert.equal(errors.result.message, "consecutiveErrors (3) > consecutiveErrorLimit (2)");
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

test("consecutiveSuccess: Successful +1, Failed, Inconclusive and Error reset it", () => {
  const cases: [AnalysisPhase[], number][] = [
    [[], 0],
    [["Successful"], 1],
    [["Successful", "Successful"], 2],
    [["Successful", "Failed"], 0],
    [["Successful", "Inconclusive"], 0],
    [["Successful", "Error"], 0],
    [["Successful", "Error", "Successful"], 1],
    [["Successful", "Failed", "Successful"], 1],
    [["Inconclusive", "Successful", "Successful", "Successful"], 3],
  ];
  const lenient: Metric = { name: "m", interval: "1s", failureLimit: -1, inconclusiveLimit: 99 };
  for (const [phases, streak] of cases) {
    assert.equal(feed(lenient, phases).result.consecutiveSuccess ?? 0, streak, phases.join(","));
  }
});

test("consecutiveSuccessLimit: early Successful, else Inconclusive or Failed at count", () => {
  const S = "Successful";
  const F = "Failed";
  const I = "Inconclusive";
  const E = "Error";
  const cases: {
    name: string;
    metric: Omit<Metric, "name">;
    phases: AnalysisPhase[];
    trail: AnalysisPhase[];
    message?: RegExp;
  }[] = [
    {
      name: "streak met before count",
      metric: { count: 10, interval: "1s", consecutiveSuccessLimit: 3 },
      phases: [S, S, S],
      trail: ["Running", "Running", "Successful"],
    },
    {
      name: "streak met on an indefinite metric",
      metric: { interval: "1s", failureLimit: 5, consecutiveSuccessLimit: 2 },
      phases: [S, F, S, S],
      trail: ["Running", "Running", "Running", "Successful"],
    },
    {
      name: "streak met on the last counted measurement",
      metric: { count: 3, interval: "1s", failureLimit: 1, consecutiveSuccessLimit: 2 },
      phases: [F, S, S],
      trail: ["Running", "Running", "Successful"],
    },
    {
      name: "IntOrString: a string limit",
      metric: { count: 5, interval: "1s", consecutiveSuccessLimit: "2" },
      phases: [S, S],
      trail: ["Running", "Successful"],
    },
    {
      name: "an Error breaks the streak",
      metric: { count: 5, interval: "1s", consecutiveSuccessLimit: 3 },
      phases: [S, S, E, S, S, S],
      trail: ["Running", "Running", "Running", "Running", "Running", "Successful"],
    },
    {
      name: "count reached, streak not met, failureLimit applicable: Inconclusive",
      metric: { count: 3, interval: "1s", failureLimit: 2, consecutiveSuccessLimit: 3 },
      phases: [S, F, S],
      trail: ["Running", "Running", "Inconclusive"],
      message: /3 measurement\(s\) without 3 consecutive successes \(consecutiveSuccessLimit 3\)/,
    },
    {
      name: "count reached, streak not met, default failureLimit (0) is applicable: Inconclusive",
      metric: { count: 4, interval: "1s", inconclusiveLimit: 1, consecutiveSuccessLimit: 3 },
      phases: [S, S, I, S],
      trail: ["Running", "Running", "Running", "Inconclusive"],
    },
    {
      name: "count reached, streak not met, failureLimit disabled: Failed",
      metric: { count: 3, interval: "1s", failureLimit: -1, consecutiveSuccessLimit: 3 },
      phases: [S, F, S],
      trail: ["Running", "Running", "Failed"],
      message: /without 3 consecutive successes/,
    },
    {
      name: "failureLimit disabled, all failures: Failed only at count",
      metric: { count: 3, interval: "1s", failureLimit: "-1", consecutiveSuccessLimit: 1 },
      phases: [F, F, F],
      trail: ["Running", "Running", "Failed"],
    },
    {
      name: "no count and no interval (one measurement) cannot reach a streak of 2",
      metric: { consecutiveSuccessLimit: 2 },
      phases: [S],
      trail: ["Inconclusive"],
    },
    {
      name: "failureLimit still fails first",
      metric: { count: 5, interval: "1s", consecutiveSuccessLimit: 2 },
      phases: [S, F],
      trail: ["Running", "Failed"],
      message: /^failed \(1\) > failureLimit \(0\)$/,
    },
    {
      name: "consecutiveErrorLimit still errors first",
      metric: { count: 5, interval: "1s", consecutiveErrorLimit: 1, consecutiveSuccessLimit: 2 },
      phases: [S, E, E],
      trail: ["Running", "Running", "Error"],
    },
    {
      name: "0 is off: count decides as before",
      metric: { count: 3, interval: "1s", failureLimit: -1, consecutiveSuccessLimit: 0 },
      phases: [S, F, S],
      trail: ["Running", "Running", "Successful"],
    },
    {
      name: "a negative limit is off",
      metric: { count: 2, interval: "1s", consecutiveSuccessLimit: -2 },
      phases: [S, S],
      trail: ["Running", "Successful"],
    },
    {
      name: "unset: an indefinite metric keeps running",
      metric: { interval: "1s" },
      phases: [S, S, S, S],
      trail: ["Running", "Running", "Running", "Running"],
    },
  ];
  for (const c of cases) {
    const { result, trail } = feed({ name: "m", ...c.metric }, c.phases);
    assert.deepEqual(trail, c.trail, c.name);
    if (c.message) assert.match(result.message ?? "", c.message, c.name);
  }
});

test("consecutiveSuccessLimit: a metric completed early measures no more", () => {
  const metric: Metric = { name: "m", interval: "1s", consecutiveSuccessLimit: 2 };
  const { result } = feed(metric, ["Successful", "Successful"]);
  assert.equal(result.phase, "Successful");
  assert.equal(nextDue(metric, result, T0), undefined);
});

test("run phase: the run waits for dry-run metrics, but they never decide it", () => {
  const cases: [{ phase: AnalysisPhase; dryRun?: boolean }[], boolean, AnalysisPhase][] = [
    [[{ phase: "Successful" }, { phase: "Running", dryRun: true }], false, "Running"],
    [[{ phase: "Successful" }, { phase: "Pending", dryRun: true }], false, "Running"],
    [[{ phase: "Successful" }, { phase: "Running", dryRun: true }], true, "Successful"],
    [[{ phase: "Failed" }, { phase: "Running", dryRun: true }], false, "Failed"],
    [[{ phase: "Successful" }, { phase: "Error", dryRun: true }], false, "Successful"],
    [[{ phase: "Inconclusive", dryRun: true }], false, "Successful"],
    [[{ phase: "Running", dryRun: true }], false, "Running"],
    [[{ phase: "Failed", dryRun: true }, { phase: "Running" }], false, "Running"],
    [[{ phase: "Failed", dryRun: true }, { phase: "Inconclusive" }], false, "Inconclusive"],
  ];
  for (const [results, terminate, expected] of cases) {
    assert.equal(runPhase(results, terminate), expected, JSON.stringify({ results, terminate }));
  }
});
