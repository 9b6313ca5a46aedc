// The analysis commands against a real cluster with the Rollout and AnalysisRun controllers
// running: a canary's step analysis (a web metric, count 2) completes and its background analysis
// (no count: it measures until ended) keeps running; get / list read them, get -w follows the
// background run as it measures, terminate ends it, and a second terminate is refused.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun, Metric } from "../../../src/api/analysis.ts";
import { AnalysisRuns, AnalysisTemplates, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createRollout, installRolloutCrd, podTemplate, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { runCaptured } from "../../unit/cli/capture.ts";

/** A JSON health endpoint on 127.0.0.1 for the web metrics. */
async function startHealthServer(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ratio: 0.99 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

async function createTemplate(namespace: string, name: string, metric: Metric): Promise<void> {
  await testClient().create(
    AnalysisTemplates,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name, namespace },
      spec: { metrics: [metric] },
    },
    "test",
  );
}

/** `text` split into the blocks `get -w` prints when piped (each starts with its Name: line). */
const blocks = (text: string) => text.split(/^(?=Name:)/m).filter((b) => b.trim() !== "");

test("get, list and terminate analysis runs of a canary; get -w follows a run as it measures", async (t) => {
  await installRolloutCrd();
  const url = await startHealthServer(t);
  const namespace = await useNamespace(t, "cli-analysis");
  const web = (name: string, extra: Partial<Metric>): Metric => ({
    name,
    interval: "1s",
    successCondition: "result >= 0.95",
    provider: { web: { url, jsonPath: "{$.ratio}" } },
    ...extra,
  });
  await createTemplate(namespace, "checks", web("checks", { count: 2 }));
  await createTemplate(namespace, "watchdog", web("watchdog", {}));
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  const flags = ["-n", namespace, "--kubeconfig", requireEnv(ENV.kubeconfig)];
  const cli = (...argv: string[]) => runCaptured([...argv, ...flags]);
  const client = testClient();

  await createRollout(namespace, {
    canary: {
      steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "checks" }] } }, { pause: {} }],
      analysis: { templates: [{ templateName: "watchdog" }] },
    },
  });
  // Ends mid-update (paused), where the Rollout holds the restore-services finalizer; the
  // controller is stopped by then, so drop it or the namespace never goes.
  t.after(() =>
    client
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined),
  );
  const rollout = rolloutIn(namespace);
  await rollout.until("first deploy Healthy", (r) => r.status?.phase === "Healthy");
  await rollout.patchSpec({ template: podTemplate("web:2") });
  const paused = await rollout.until(
    "paused after the step analysis, background analysis running",
    (r) =>
      r.status?.phase === "Paused" &&
      r.status.currentStepIndex === 2 &&
      r.status.canary?.currentBackgroundAnalysisRunStatus?.status === "Running",
    45_000,
  );
  const background = paused.status?.canary?.currentBackgroundAnalysisRunStatus?.name ?? "";
  const steps = await client.list<AnalysisRun>(AnalysisRuns, {
    namespace,
    labelSelector: "rollout-type=Step",
  });
  assert.equal(steps.items.length, 1);
  const step = steps.items[0] as AnalysisRun;
  const stepName = step.metadata?.name ?? "";
  assert.equal(step.status?.phase, "Successful");

  // -o json is the AnalysisRun object itself; -o name kubectl's.
  const json = await cli("get", "analysisrun", stepName, "-o", "json");
  assert.equal(json.code, 0, json.err);
  assert.equal((JSON.parse(json.out) as AnalysisRun).metadata?.uid, step.metadata?.uid);
  const name = await cli("get", "ar", stepName, "-o", "name");
  assert.equal(name.out, `analysisrun.sluice.dev/${stepName}\n`);

  // The table: the verdict, where the run comes from, the metric's counters and both measurements.
  const get = await cli("get", "ar", stepName);
  assert.equal(get.code, 0, get.err);
  assert.match(get.out, /^Status: +Successful$/m, "piped: no symbols");
  assert.match(get.out, /^Rollout: +web \(revision 2, Step analysis, step 1\)$/m);
  assert.match(get.out, /^Metrics: +1\/1 successful$/m);
  assert.match(get.out, /^checks +web +Successful +2 +2 +0 +0 +0$/m);
  const measured = get.out.split("Measurements of checks:\n")[1] ?? "";
  assert.match(measured, /^ {2}STATUS +VALUE +STARTED +FINISHED +MESSAGE$/m);
  assert.equal(measured.match(/^ {2}Successful +0\.99 +\d+s ago +\d+s ago$/gm)?.length, 2, get.out);

  const list = await cli("list", "analysisruns");
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^NAME +PHASE +ROLLOUT +METRICS +AGE$/m);
  assert.match(list.out, new RegExp(`^${stepName} +Successful +web +1/1 successful +\\S+$`, "m"));
  assert.match(list.out, new RegExp(`^${background} +Running +web +0/1 successful +\\S+$`, "m"));
  const all = await runCaptured([
    "list",
    "ars",
    "-A",
    "-o",
    "name",
    "--kubeconfig",
    requireEnv(ENV.kubeconfig),
  ]);
  assert.ok(all.out.split("\n").includes(`analysisrun.sluice.dev/${stepName}`), all.out);

  // get -w on the background run: a new block as each measurement lands, then the terminated verdict.
  const stop = new AbortController();
  t.after(() => stop.abort());
  let watched = "";
  const watching = runCaptured(["get", "analysisrun", background, "-w", ...flags], {
    signal: stop.signal,
    onOut: (all) => {
      watched = all;
    },
  });
  await waitFor("get -w to draw the run again as it measures", () => {
    const drawn = blocks(watched);
    return drawn.length >= 2 && drawn.every((b) => /^Status: +Running$/m.test(b))
      ? true
      : pending(`${drawn.length} blocks`);
  });

  const terminated = await cli("terminate", "analysisrun", background);
  assert.deepEqual(
    [terminated.code, terminated.out],
    [0, `analysisrun '${background}' terminated\n`],
    terminated.err,
  );
  const ended = await waitFor("the terminated run to end", async () => {
    const run = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: background });
    return run.status?.completedAt ? run : pending(JSON.stringify(run.status?.phase));
  });
  assert.equal(ended.spec?.terminate, true);
  assert.equal(ended.status?.phase, "Successful", "sluice ends a terminated run Successful, as the peer");
  assert.equal(ended.status?.metricResults?.[0]?.message, "Metric Terminated");
  const manager = ended.metadata?.managedFields?.find((f) =>
    JSON.stringify(f.fieldsV1 ?? {}).includes("f:terminate"),
  );
  assert.equal(manager?.manager, "kubectl-sluice");
  await waitFor("get -w to draw the ended run", () =>
    /^Status: +Successful$/m.test(blocks(watched).at(-1) ?? "")
      ? true
      : pending(`${blocks(watched).length} blocks`),
  );
  stop.abort();
  const watchEnd = await watching;
  assert.equal(watchEnd.code, 0, watchEnd.err);
  assert.match(
    blocks(watched).at(-1) ?? "",
    /^watchdog +web +Successful +\d+ +\d+ +0 +0 +0 +Metric Terminated$/m,
  );

  // Nothing left to terminate: refused, exit 1; so is a run that is not there.
  const again = await cli("terminate", "ar", background);
  assert.equal(again.code, 1);
  assert.equal(
    again.err,
    `Error: analysisrun "${background}" has already completed (Successful): nothing to terminate\n`,
  );
  const missing = await cli("terminate", "analysisrun", "nope");
  assert.deepEqual(
    [missing.code, missing.err],
    [1, `Error: analysisrun "nope" not found in namespace "${namespace}"\n`],
  );
  assert.equal((await cli("get", "analysisrun", "nope")).code, 1);
});
