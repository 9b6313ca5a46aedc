// What the dashboard and the alerts read is what a running controller serves: sluice started with
// the Rollout, AnalysisRun and Application controllers and the webhook receiver (as src/main.ts
// wires it), a canary paused at its second step and a finished web-metric AnalysisRun; /metrics
// shows the canary's phase, step, weight and Events and the run's value, and every metric name in every
// dashboard query and alert expression is exposed (a metric with no samples yet counts: prom-client
// prints its HELP and TYPE).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import { applicationControllerWith } from "../../../src/gitops/controller.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { binaryPaths } from "../../cluster/binaries.ts";
import { createRun, untilCompleted } from "../../helpers/analysis-runs.ts";
import { chartDir, noHelm, renderedRuleGroups } from "../../helpers/chart.ts";
import { useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { metricNames, seriesNames } from "../../tools/promql-names.ts";

/** A JSON endpoint on 127.0.0.1 for a web metric. */
async function valueServer(t: TestContext, body: unknown): Promise<string> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body)),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Every PromQL expression of the dashboard: panel targets and the variables' label_values selectors. */
async function dashboardExpressions(): Promise<string[]> {
  const json = JSON.parse(await readFile(join(chartDir, "dashboards/sluice.json"), "utf8")) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: string | { query: string } }[] };
  };
  const targets = json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = json.templating.list
    .map((v) => (typeof v.query === "object" ? v.query.query : ""))
    .map((q) => /^label_values\((.*),\s*\w+\)$/.exec(q)?.[1])
    .filter((q): q is string => q !== undefined);
  return [...targets, ...variables];
}

test("a running controller exposes the canary's phase, step and weight, and every metric the dashboard and alerts use", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "monitoring");
  const paths = binaryPaths();
  const sluice = await startSluice(
    t,
    [
      rolloutController,
      analysisRunController,
      applicationControllerWith({
        namespace,
        pollMs: 60_000,
        kustomizePath: paths.kustomize,
        helmPath: paths.helm,
      }),
    ],
    { namespace, webhookAddr: "127.0.0.1:0", applicationNamespace: namespace },
  );
  const scrape = async () => (await fetch(`http://127.0.0.1:${sluice.metricsPort}/metrics`)).text();

  await createServices(namespace, ["web-stable", "web-canary"]);
  const strategy = {
    canary: {
      canaryService: "web-canary",
      stableService: "web-stable",
      steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }],
    },
  };
  await createRollout(namespace, strategy, { replicas: 5 });
  const web = rolloutIn(namespace);
  await web.until("first deploy Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("paused at step 1", (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1);

  const url = await valueServer(t, { ratio: 0.97 });
  await createRun(namespace, "check", {
    metrics: [
      {
        name: "ratio",
        successCondition: "result >= 0.95",
        provider: { web: { url, jsonPath: "{$.ratio}" } },
      },
    ],
  });
  await untilCompleted(namespace, "check");

  const metrics = await scrape();
  const sample = (series: string) =>
    new RegExp(`^${series.replace(/[{}()|.]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1];
  const ours = `namespace="${namespace}",name="web"`;
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
  const stepsDone = sample(
    `sluice_rollout_events_total{${ours},type="Normal",reason="RolloutStepCompleted"}`,
  );
  assert.ok(Number(stepsDone) >= 1, `RolloutStepCompleted counted: ${stepsDone}`);
  assert.equal(
    sample(`sluice_analysis_run_metric_value{namespace="${namespace}",name="check",metric="ratio"}`),
    "0.97",
  );

  const exposed = seriesNames(metrics);
  const expressions: [where: string, expr: string][] = (await dashboardExpressions()).map((expr) => [
    "dashboard",
    expr,
  ]);
  if (!noHelm)
    for (const group of await renderedRuleGroups())
      for (const rule of group.rules) expressions.push([`alert ${rule.alert}`, rule.expr]);
  else t.diagnostic(`alert rules not checked: ${noHelm}`);
  assert.ok(expressions.length > 20, `only ${expressions.length} expressions found`);
  const missing: string[] = [];
  for (const [where, expr] of expressions)
    for (const name of metricNames(expr))
      if (!exposed.has(name)) missing.push(`${where}: ${name} in ${expr}`);
  assert.deepEqual(missing, [], "metrics used but not exposed by a running controller");
});
