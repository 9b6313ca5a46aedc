// The dashboard and the alerts against the harness's real Prometheus scraping a running controller
// (as the chart's ServiceMonitor has it scraped, job <release>-metrics): every dashboard query and
// alert expression is valid PromQL that Prometheus runs; the panels a user looks at first show the
// paused canary (weight 20, phase Paused) and the namespace variable offers the test's namespace;
// once the canary is aborted, SluiceRolloutAborted's expression finds it and SluiceRolloutDegraded's
// does not (an abort has its own alert).
import assert from "node:assert/strict";
import { test } from "node:test";
import { noHelm } from "../../helpers/chart.ts";
import {
  alertExpressions,
  dashboardExpressions,
  type Expression,
  pausedCanaryUnderSluice,
} from "../../helpers/monitoring.ts";
import { addScrapeTarget, queryPrometheus, type Sample } from "../../helpers/prometheus.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

/** Prometheus's own error text for a query it refuses (400 bad_data names the syntax error). */
async function run(expr: string): Promise<Sample[] | { error: string }> {
  try {
    return await queryPrometheus(expr);
  } catch (error) {
    const e = error as { response?: { data?: { error?: string } }; message: string };
    return { error: e.response?.data?.error ?? e.message };
  }
}

const find = (expressions: Expression[], where: string) => {
  const found = expressions.find((e) => e.where === where);
  assert.ok(found, `no expression "${where}"`);
  return found.expr;
};

/** Waits until `expr` returns a sample for which `ok` holds. */
const untilSample = (what: string, expr: string, ok: (s: Sample) => boolean) =>
  waitFor(
    what,
    async () => {
      const result = await run(expr);
      if ("error" in result) throw new Error(`${expr}: ${result.error}`);
      return result.some(ok) ? result : pending(JSON.stringify(result));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

test("dashboard queries and alert expressions run in Prometheus and show the paused, then aborted, canary", {
  skip: noHelm,
}, async (t) => {
  const { namespace, sluice, web } = await pausedCanaryUnderSluice(t, "promql");
  await addScrapeTarget(t, `127.0.0.1:${sluice.metricsPort}`, { job: "rel-metrics" });
  // Grafana's variables as Grafana fills them in: one namespace chosen, a 1m rate window.
  const asGrafana = (expr: string) =>
    expr.replaceAll("$namespace", namespace).replaceAll("$__rate_interval", "1m");
  const dashboard = await dashboardExpressions();
  const alerts = await alertExpressions();
  const isWeb = (s: Sample) => s.metric.namespace === namespace && s.metric.name === "web";

  await untilSample(
    "the canary weight panel to show 20",
    asGrafana(find(dashboard, "dashboard: Canary weight")),
    (s) => isWeb(s) && s.value === 20,
  );
  await untilSample(
    "the phase timeline to show Paused (3)",
    asGrafana(find(dashboard, "dashboard: Rollout phase")),
    (s) => isWeb(s) && s.value === 3,
  );
  await untilSample(
    "the namespace variable to offer the namespace",
    find(dashboard, "dashboard variable namespace"),
    (s) => s.metric.namespace === namespace,
  );

  const refused: string[] = [];
  for (const { where, expr } of [...dashboard, ...alerts]) {
    const result = await run(asGrafana(expr));
    if ("error" in result) refused.push(`${where}: ${result.error}`);
  }
  assert.deepEqual(refused, [], "expressions Prometheus refuses");

  const aborted = find(alerts, "alert SluiceRolloutAborted");
  const degraded = find(alerts, "alert SluiceRolloutDegraded");
  assert.ok(!((await run(aborted)) as Sample[]).some(isWeb), "a paused canary is not aborted");
  await web.patchStatus({ abort: true });
  await untilSample("SluiceRolloutAborted's expression to find web", aborted, isWeb);
  await untilSample(
    "Prometheus to see web Degraded",
    `sluice_rollout_info{job="rel-metrics", phase="Degraded"}`,
    isWeb,
  );
  assert.ok(
    !((await run(degraded)) as Sample[]).some(isWeb),
    "an aborted rollout is not also alerted as Degraded",
  );
});
