// consecutiveSuccessLimit, dryRun / measurementRetention name patterns and the two summaries,
// through the real API server (so the status fields survive the CRD's schema): an indefinite
// metric completes early on its streak, a dry-run metric picked by a regex fails without failing
// the run, a `*` retention rule trims every metric, and a rule naming no metric is an Error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import { createRun, untilCompleted } from "../../helpers/analysis-runs.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { useNamespace } from "../../helpers/kube.ts";
import { prometheusUrl } from "../../helpers/prometheus.ts";
import { startSluice } from "../../helpers/sluice.ts";

const prometheus = { prometheus: { address: prometheusUrl(), query: "vector(1)" } };

test("AnalysisRun: consecutiveSuccessLimit ends an indefinite metric; dry-run metrics are summarised apart", async (t) => {
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "analysis-limits");
  await startSluice(t, [analysisRunController], { namespace });
  await createRun(namespace, "streak", {
    metrics: [
      // No count: only the streak can end it.
      {
        name: "rate",
        interval: "500ms",
        consecutiveSuccessLimit: 3,
        successCondition: "result[0] == 1",
        provider: prometheus,
      },
      {
        name: "latency-p99",
        interval: "500ms",
        count: 2,
        failureLimit: -1,
        consecutiveSuccessLimit: 2,
        successCondition: "result[0] == 2",
        provider: prometheus,
      },
    ],
    dryRun: [{ metricName: "latency-.*" }],
    measurementRetention: [{ metricName: "*", limit: 2 }],
  });
  const run = await untilCompleted(namespace, "streak");
  assert.equal(run.status?.phase, "Successful", run.status?.message);
  const [rate, latency] = run.status?.metricResults ?? [];
  assert.equal(rate?.phase, "Successful");
  assert.equal(rate?.count, 3, "stopped at the streak");
  assert.equal(rate?.consecutiveSuccess, 3);
  assert.equal(rate?.measurements?.length, 2, "`*` retention applies to every metric");
  assert.equal(rate?.dryRun, undefined);
  assert.equal(latency?.phase, "Failed", "count reached without the streak, failureLimit disabled");
  assert.equal(latency?.dryRun, true);
  assert.equal(latency?.consecutiveSuccess, 0);
  assert.match(latency?.message ?? "", /without 2 consecutive successes/);
  assert.deepEqual(run.status?.runSummary, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
  assert.deepEqual(run.status?.dryRunSummary, {
    count: 1,
    successful: 0,
    failed: 1,
    inconclusive: 0,
    error: 0,
  });
  assert.doesNotMatch(run.status?.message ?? "", /latency/, "a dry-run metric never explains the run");
});

test("AnalysisRun: a dryRun rule that names no metric (a typo) makes the run Error, measuring nothing", async (t) => {
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "analysis-dryrun-typo");
  await startSluice(t, [analysisRunController], { namespace });
  await createRun(namespace, "typo", {
    metrics: [{ name: "error-rate", count: 1, successCondition: "result[0] == 1", provider: prometheus }],
    // Meant error-rate: were it ignored, error-rate would gate the rollout unexpectedly.
    dryRun: [{ metricName: "errors-rate" }],
  });
  const run = await untilCompleted(namespace, "typo");
  assert.equal(run.status?.phase, "Error");
  assert.equal(
    run.status?.message,
    `Analysis spec invalid: spec.dryRun[0].metricName "errors-rate" names none of the run's metrics (error-rate)`,
  );
  assert.deepEqual(run.status?.metricResults ?? [], [], "nothing was measured");
});
