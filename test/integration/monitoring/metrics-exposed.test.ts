// What the dashboard and the alerts read is what a running controller serves: with a canary paused
// at its second step and a finished web-metric AnalysisRun, /metrics shows the canary's phase,
// step, weight and Events and the run's value, and every metric name in every dashboard query and
// alert expression is exposed (a metric with no samples yet counts: prom-client prints its HELP
// and TYPE).
import assert from "node:assert/strict";
import { test } from "node:test";
import { noHelm } from "../../helpers/chart.ts";
import { alertExpressions, dashboardExpressions, pausedCanaryUnderSluice } from "../../helpers/monitoring.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { metricNames, seriesNames } from "../../tools/promql-names.ts";

test("a running controller exposes the canary's phase, step and weight, and every metric the dashboard and alerts use", async (t) => {
  const { namespace, sluice } = await pausedCanaryUnderSluice(t, "monitoring");
  const ours = `namespace="${namespace}",name="web"`;
  const sampleIn = (metrics: string, series: string) =>
    new RegExp(`^${series.replace(/[{}()|.]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1];
  // Recorded right after the ReplicaSet is created. (Not RolloutStepCompleted: a plan's Events are
  // lost when a write after its status write, the finalizer patch, meets a 409 — seen once.)
  const rsCreated = `sluice_rollout_events_total{${ours},type="Normal",reason="NewReplicaSetCreated"}`;
  const value = `sluice_analysis_run_metric_value{namespace="${namespace}",name="check",metric="ratio"}`;
  // Events and the run's gauges follow the status writes the set-up waited for, a moment later.
  const metrics = await waitFor("the Events and the run's value on /metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${sluice.metricsPort}/metrics`)).text();
    const missing = [rsCreated, value].filter((series) => sampleIn(text, series) === undefined);
    const seen = text.split("\n").filter((l) => l.includes(namespace) && /events_total|metric_value/.test(l));
    return missing.length === 0 ? text : pending(`missing ${missing.join(", ")}; seen ${seen.join("; ")}`);
  });
  const sample = (series: string) => sampleIn(metrics, series);
  assert.equal(
    sample(`sluice_rollout_info{${ours},strategy="canary",traffic_router="",phase="Paused"}`),
    "1",
    metrics
      .split("\n")
      .filter((l) => l.startsWith("sluice_rollout"))
      .join("\n"),
  );
  assert.equal(sample(`sluice_rollout_step_index{${ours}}`), "1");
  assert.equal(sample(`sluice_rollout_steps{${ours}}`), "3");
  assert.equal(sample(`sluice_rollout_canary_weight{${ours}}`), "20");
  assert.equal(sample(`sluice_rollout_info_replicas_desired{${ours}}`), "5");
  assert.equal(sample(`sluice_rollout_aborted{${ours}}`), "0");
  assert.equal(sample(rsCreated), "2", "the stable and the canary ReplicaSet");
  assert.equal(sample(value), "0.97");

  const exposed = seriesNames(metrics);
  const alerts = await alertExpressions();
  if (noHelm) t.diagnostic(`alert rules not checked: ${noHelm}`);
  const expressions = [...(await dashboardExpressions()), ...alerts];
  assert.ok(expressions.length > 20, `only ${expressions.length} expressions found`);
  const missing: string[] = [];
  for (const { where, expr } of expressions)
    for (const name of metricNames(expr))
      if (!exposed.has(name)) missing.push(`${where}: ${name} in ${expr}`);
  assert.deepEqual(missing, [], "metrics used but not exposed by a running controller");
});
