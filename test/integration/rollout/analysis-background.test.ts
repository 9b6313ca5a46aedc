// Canary analysis beyond a single step, against the real Prometheus: background analysis
// (startingStep) aborts the rollout mid-way when the metric drops, a retry gets a fresh run and can
// promote; an Inconclusive step run pauses with reason InconclusiveAnalysisRun until a person
// resumes, and each resume measures the step again with a fresh run; a resumed undecided background analysis starts afresh without restarting the step's run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout, RolloutAnalysis } from "../../../src/api/rollout.ts";
import { AnalysisRuns, Events, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { TERMINATED_BY_ROLLOUT } from "../../../src/rollout/analysis-history.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { auditMark, auditMatches, auditUntilNow, describeAudit, SLUICE_AGENT } from "../../helpers/audit.ts";
import {
  createRatioTemplate,
  type GaugeExporter,
  installAnalysisCrds,
  startGaugeExporter,
} from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { clockReaches, pending, waitFor } from "../../helpers/wait.ts";

const template = (namespace: string, metric: Record<string, unknown>) =>
  createRatioTemplate(namespace, metric, { name: "ratio" });

const analysisOf = (gauge: GaugeExporter): RolloutAnalysis => ({
  templates: [{ templateName: "ratio" }],
  args: [{ name: "query", value: gauge.query }],
});

const createCanary = (namespace: string, canary: Record<string, unknown>) =>
  createRollout(namespace, { canary });

async function runsOfType(namespace: string, type: string): Promise<AnalysisRun[]> {
  const list = await testClient().list<AnalysisRun>(AnalysisRuns, {
    namespace,
    labelSelector: `rollout-type=${type}`,
  });
  return list.items;
}

test("background analysis aborts mid-rollout; a retry gets a fresh run and promotes", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const gauge = await startGaugeExporter(t, "sluice_background_ratio", 0.99);
  const namespace = await useNamespace(t, "background");
  const client = testClient();
  // No count: a background run measures until the rollout no longer needs it.
  await template(namespace, { interval: "1s", successCondition: "result[0] >= 0.95" });
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createCanary(namespace, {
    steps: [{ setWeight: 50 }, { pause: {} }],
    analysis: { ...analysisOf(gauge), startingStep: 1 },
  });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  assert.equal((await runsOfType(namespace, "Background")).length, 0, "no analysis on the first deploy");

  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "v2 paused at step 1 with its background run reported",
    (r) =>
      r.status?.currentStepIndex === 1 &&
      r.status.phase === "Paused" &&
      r.status.canary?.currentBackgroundAnalysisRunStatus?.status === "Running",
    45_000,
  );
  const h2 = paused.status?.currentPodHash ?? "";
  const first = paused.status?.canary?.currentBackgroundAnalysisRunStatus?.name ?? "";
  const run = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: first });
  assert.equal(run.metadata?.labels?.["rollout-type"], "Background");
  assert.equal(run.metadata?.labels?.["rollouts-pod-template-hash"], h2);
  assert.equal(run.metadata?.ownerReferences?.[0]?.kind, "Rollout");

  await gauge.set(0.5);
  const aborted = await web.until(
    "background failure aborts the paused rollout",
    (r) => r.status?.abort === true && r.status.phase === "Degraded",
    45_000,
  );
  assert.equal(aborted.status?.stableRS, h1, "the stable is still v1");
  assert.equal(
    (await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: first })).status?.phase,
    "Failed",
  );
  await waitFor("the canary scaled away, v1 whole again", async () => {
    const s = await scalesByHash(namespace);
    return s[h2]?.[0] === 0 && s[h1]?.[1] === 2 ? true : pending(JSON.stringify(s));
  });
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  const failedEvent = events.items.find((e) => e.reason === "AnalysisRunFailed");
  assert.match(failedEvent?.message ?? "", /Background analysis phase failed/);

  // Retry: the steps start again and the background analysis gets a run of its own.
  await gauge.set(0.99);
  await web.patchStatus({ abort: false });
  const retried = await web.until(
    "retried rollout paused at step 1 with a new background run",
    (r) =>
      r.status?.abort === false &&
      r.status.currentStepIndex === 1 &&
      r.status.canary?.currentBackgroundAnalysisRunStatus?.status === "Running",
    45_000,
  );
  const second = retried.status?.canary?.currentBackgroundAnalysisRunStatus?.name ?? "";
  assert.notEqual(second, first, "a retry does not reuse the failed run");

  // Promote past the pause: the steps are done, the background run is ended, v2 becomes stable.
  await web.patchStatus({ pauseConditions: null });
  const done = await web.until("v2 promoted", (r) => r.status?.phase === "Healthy", 45_000);
  assert.equal(done.status?.stableRS, h2);
  assert.equal(done.status?.canary?.currentBackgroundAnalysisRunStatus, undefined);
  await waitFor("the background run ended", async () => {
    const r = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: second });
    return r.spec?.terminate === true && r.status?.phase === "Successful"
      ? true
      : pending(JSON.stringify({ terminate: r.spec?.terminate, phase: r.status?.phase }));
  });
});

test("an Inconclusive step run pauses; a resume measures the step again with a fresh run until it passes", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  // Between the two conditions: neither success nor failure.
  const gauge = await startGaugeExporter(t, "sluice_inconclusive_ratio", 0.7);
  const namespace = await useNamespace(t, "inconclusive");
  await template(namespace, {
    successCondition: "result[0] >= 0.95",
    failureCondition: "result[0] < 0.5",
  });
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createCanary(namespace, { steps: [{ setWeight: 50 }, { analysis: analysisOf(gauge) }] });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";

  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "paused on an Inconclusive analysis",
    (r) => r.status?.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysisRun") ?? false,
    45_000,
  );
  assert.equal(paused.status?.phase, "Paused");
  assert.equal(paused.status?.currentStepIndex, 1, "held on the analysis step");
  assert.equal(paused.status?.controllerPause, true);
  assert.equal(paused.status?.canary?.currentStepAnalysisRunStatus?.status, "Inconclusive");
  assert.equal(paused.status?.stableRS, h1);
  // It stays paused: nothing resumes it but a person. A look begun after the pause is seen to
  // finish; it left the pause as it was, and neither scaled, switched a Service nor made a run.
  const mark = await auditMark();
  const still = await web.lookFinished();
  assert.equal(still.status?.phase, "Paused");
  assert.equal(still.status?.stableRS, h1);
  assert.deepEqual(still.status?.pauseConditions, paused.status?.pauseConditions);
  const moves = (await auditUntilNow(mark, namespace)).filter(
    (e) =>
      auditMatches(e, { namespace, userAgent: SLUICE_AGENT, resource: "replicasets" }) ||
      auditMatches(e, { namespace, userAgent: SLUICE_AGENT, resource: "services" }) ||
      auditMatches(e, { namespace, userAgent: SLUICE_AGENT, resource: "analysisruns", verbs: ["create"] }),
  );
  assert.deepEqual(moves.map(describeAudit), [], "nothing moved while paused");

  // Clearing the pause measures the step again with a fresh run (the peer's needsNewAnalysisRun):
  // still undecided, it pauses again; the version is never promoted on an undecided analysis.
  const firstRun = paused.status?.canary?.currentStepAnalysisRunStatus?.name ?? "";
  await web.patchStatus({ pauseConditions: null });
  const again = await web.until(
    "paused again on the fresh run's verdict",
    (r) =>
      r.status?.canary?.currentStepAnalysisRunStatus?.name === `${firstRun}.1` &&
      r.status.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysisRun") === true,
    45_000,
  );
  assert.equal(again.status?.stableRS, h1, "not promoted on an undecided analysis");
  assert.equal(again.status?.currentStepIndex, 1);

  // Once the metric is good, a resume's fresh run passes and the update completes.
  await gauge.set(0.99);
  await web.patchStatus({ pauseConditions: null });
  const done = await web.until("promoted after a passing run", (r) => r.status?.phase === "Healthy", 45_000);
  assert.equal(done.status?.stableRS, done.status?.currentPodHash);
  assert.notEqual(done.status?.stableRS, h1);
  const stepRuns = (await runsOfType(namespace, "Step")).map((r) => [r.metadata?.name, r.status?.phase]);
  assert.deepEqual(stepRuns.sort(), [
    [firstRun, "Inconclusive"],
    [`${firstRun}.1`, "Inconclusive"],
    [`${firstRun}.2`, "Successful"],
  ]);
});

test("a controller restarted mid-analysis carries on with the same run", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const gauge = await startGaugeExporter(t, "sluice_restart_ratio", 0.99);
  const namespace = await useNamespace(t, "restart");
  const client = testClient();
  await template(namespace, { interval: "1s", count: 4, successCondition: "result[0] >= 0.95" });
  const first = await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createCanary(namespace, { steps: [{ setWeight: 50 }, { analysis: analysisOf(gauge) }] });
  const web = rolloutIn(namespace);
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  const measuring = await waitFor("the step's run measuring", async () => {
    const [run] = await runsOfType(namespace, "Step");
    const taken = run?.status?.metricResults?.[0]?.measurements?.length ?? 0;
    return run && taken >= 1 && run.status?.phase === "Running" ? run : pending(`measurements: ${taken}`);
  });
  await first.stop();
  // Down until a measurement has fallen due (interval 1 s after the last one taken): time that
  // must pass on purpose, so the restarted controller has a missed measurement to take.
  const atStop = await client.get<AnalysisRun>(AnalysisRuns, {
    namespace,
    name: measuring.metadata?.name ?? "",
  });
  const lastTaken = atStop.status?.metricResults?.[0]?.measurements?.at(-1)?.finishedAt;
  assert.ok(lastTaken, "a measurement was taken before the stop");
  await clockReaches(Date.parse(lastTaken) + 1000);
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  const done = await web.until("v2 promoted after the restart", (r) => r.status?.phase === "Healthy", 45_000);
  assert.equal(done.status?.stableRS, measuring.metadata?.labels?.["rollouts-pod-template-hash"]);
  const runs = await runsOfType(namespace, "Step");
  assert.deepEqual(
    runs.map((r) => [r.metadata?.name, r.status?.phase, r.status?.metricResults?.[0]?.count]),
    [[measuring.metadata?.name, "Successful", 4]],
    "one run, measured to its count across the restart",
  );
  assert.equal((await client.get<Rollout>(Rollouts, { namespace, name: "web" })).status?.abort, false);
});

test("a resumed undecided background analysis gets a fresh run; the analysis step's run carries on", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const stepGauge = await startGaugeExporter(t, "sluice_step_ratio", 0.99);
  const backgroundGauge = await startGaugeExporter(t, "sluice_background_undecided_ratio", 0.7);
  const namespace = await useNamespace(t, "background-resume");
  const client = testClient();
  // The step's run measures for ~30 s; the background run decides after two measurements.
  await createRatioTemplate(
    namespace,
    { interval: "1s", count: 30, successCondition: "result[0] >= 0.95" },
    { name: "step" },
  );
  await createRatioTemplate(
    namespace,
    {
      interval: "1s",
      count: 2,
      successCondition: "result[0] >= 0.95",
      failureCondition: "result[0] < 0.5",
    },
    { name: "background" },
  );
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  const argsOf = (gauge: GaugeExporter) => [{ name: "query", value: gauge.query }];
  await createCanary(namespace, {
    steps: [
      { setWeight: 50 },
      { analysis: { templates: [{ templateName: "step" }], args: argsOf(stepGauge) } },
    ],
    analysis: { templates: [{ templateName: "background" }], args: argsOf(backgroundGauge), startingStep: 1 },
  });
  const web = rolloutIn(namespace);
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "paused on the undecided background run",
    (r) =>
      r.status?.pauseConditions?.some((p) => p.reason === "InconclusiveAnalysisRun") === true &&
      r.status.canary?.currentBackgroundAnalysisRunStatus?.status === "Inconclusive",
    45_000,
  );
  assert.equal(paused.status?.currentStepIndex, 1);
  const firstBackground = paused.status?.canary?.currentBackgroundAnalysisRunStatus?.name ?? "";
  const stepRunName = paused.status?.canary?.currentStepAnalysisRunStatus?.name ?? "";
  assert.equal(
    paused.status?.canary?.currentStepAnalysisRunStatus?.status,
    "Running",
    "the step's run is still measuring",
  );
  const stepRun = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: stepRunName });

  // The person looks, the metric recovers, they promote: the background analysis starts afresh.
  await backgroundGauge.set(0.99);
  await web.patchStatus({ pauseConditions: null });
  const resumed = await web.until(
    "a fresh background run",
    (r) => {
      const background = r.status?.canary?.currentBackgroundAnalysisRunStatus?.name;
      return background !== undefined && background !== firstBackground;
    },
    45_000,
  );
  assert.equal(resumed.status?.currentStepIndex, 1, "the analysis step is not done: its run decides it");
  const done = await web.until("v2 promoted", (r) => r.status?.phase === "Healthy", 90_000);
  assert.equal(done.status?.stableRS, done.status?.currentPodHash);
  const stepRuns = await runsOfType(namespace, "Step");
  assert.deepEqual(
    stepRuns.map((r) => [
      r.metadata?.uid,
      r.status?.phase,
      r.spec?.terminate,
      r.status?.metricResults?.[0]?.count,
    ]),
    [[stepRun.metadata?.uid, "Successful", undefined, 30]],
    "one step run, never cut short, measured to its count across the pause",
  );
  const backgroundRuns = await runsOfType(namespace, "Background");
  assert.deepEqual(
    backgroundRuns.map((r) => r.status?.phase).sort(),
    ["Inconclusive", "Successful"],
    "the undecided run and the fresh one",
  );
  // The undecided run left behind is marked: were its name wanted again it would be replaced,
  // never read as a verdict again.
  const leftBehind = backgroundRuns.find((r) => r.metadata?.name === firstBackground);
  assert.equal(leftBehind?.metadata?.annotations?.[TERMINATED_BY_ROLLOUT], "true");
});
