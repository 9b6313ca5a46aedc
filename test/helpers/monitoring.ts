// Shared by the monitoring integration tests: sluice running the Rollout, AnalysisRun and
// Application controllers and the webhook receiver (as src/main.ts wires them) with a canary
// paused at its second step and a finished web-metric AnalysisRun; and every PromQL expression
// the shipped dashboard and alert rules contain.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { analysisRunController } from "../../src/analysis/controller.ts";
import { applicationControllerWith } from "../../src/gitops/controller.ts";
import { rolloutController } from "../../src/rollout/controller.ts";
import { binaryPaths } from "../cluster/binaries.ts";
import { createRun, untilCompleted } from "./analysis-runs.ts";
import { chartDir, noHelm, renderedRuleGroups } from "./chart.ts";
import { useNamespace } from "./kube.ts";
import { createRollout, createServices, installRolloutCrd, podTemplate, rolloutIn } from "./rollouts.ts";
import { startSluice } from "./sluice.ts";

/** A JSON endpoint on 127.0.0.1 for a web metric. */
async function valueServer(t: TestContext, body: unknown): Promise<string> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body)),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Rollout "web" (5 replicas; steps setWeight 20, pause, setWeight 60) updated and paused at step 1,
 * and AnalysisRun "check" whose metric "ratio" measured 0.97, under a sluice of all controllers.
 */
export async function pausedCanaryUnderSluice(t: TestContext, prefix: string) {
  await installRolloutCrd();
  const namespace = await useNamespace(t, prefix);
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
  await createServices(namespace, ["web-stable", "web-canary"]);
  const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }];
  await createRollout(
    namespace,
    { canary: { canaryService: "web-canary", stableService: "web-stable", steps } },
    { replicas: 5 },
  );
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
  return { namespace, sluice, web };
}

export interface Expression {
  /** "dashboard: <panel title>", "dashboard variable <name>" or "alert <name>". */
  where: string;
  expr: string;
}

interface DashboardJson {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
}

/** The dashboard's panel queries, and the series selectors of its label_values variables. */
export async function dashboardExpressions(): Promise<Expression[]> {
  const json = JSON.parse(await readFile(join(chartDir, "dashboards/sluice.json"), "utf8")) as DashboardJson;
  const targets = json.panels.flatMap((p) =>
    (p.targets ?? []).map((target) => ({ where: `dashboard: ${p.title}`, expr: target.expr })),
  );
  const variables: Expression[] = [];
  for (const variable of json.templating.list) {
    const query = typeof variable.query === "object" ? variable.query.query : "";
    const selector = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
    if (selector) variables.push({ where: `dashboard variable ${variable.name}`, expr: selector });
  }
  return [...targets, ...variables];
}

/** The alert rules' expressions as `helm template` renders them (none without the harness's helm). */
export async function alertExpressions(): Promise<Expression[]> {
  if (noHelm) return [];
  return (await renderedRuleGroups()).flatMap((g) =>
    g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  );
}
