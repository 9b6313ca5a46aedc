// History limits of the AnalysisRuns a Rollout owns: completed runs beyond
// spec.analysis.successfulRunHistoryLimit / unsuccessfulRunHistoryLimit are deleted, newest (by
// status.completedAt) kept; a run still measuring is terminated but never deleted; a run the
// Rollout does not own is never touched. Only the Rollout controller runs, so the statuses the
// test writes stay as written.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisPhase, AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns, AnalysisTemplates } from "../../../src/kube/resources.ts";
import { TERMINATED_BY_ROLLOUT } from "../../../src/rollout/analysis-history.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { auditMark, auditMatches, auditUntilNow, SLUICE_AGENT } from "../../helpers/audit.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createRollout, installRolloutCrd, podTemplate, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const base = Date.now() - 3_600_000;
/** A completedAt `minutes` after a fixed point an hour ago; whole seconds, as the API server stores them. */
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

test("completed AnalysisRuns beyond the history limits are deleted, newest kept, others left alone", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "analysis-gc");
  const client = testClient();
  const start = await auditMark();
  await startSluice(t, [rolloutController], { namespace });
  await createRollout(
    namespace,
    { canary: { steps: [{ setWeight: 50 }] } },
    { replicas: 1, spec: { analysis: { successfulRunHistoryLimit: 2, unsuccessfulRunHistoryLimit: 1 } } },
  );
  const web = rolloutIn(namespace);
  const healthy = await web.until("Healthy", (r) => r.status?.phase === "Healthy");
  const ownerReference = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    name: "web",
    uid: healthy.metadata?.uid ?? "",
    controller: true,
  };

  const ref = (name: string) => ({ namespace, name });
  const create = (name: string, owned: boolean) =>
    client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace, ...(owned ? { ownerReferences: [ownerReference] } : {}) },
        spec: { metrics: [{ name: "m", provider: { web: { url: "http://127.0.0.1:1/" } } }] },
      },
      "test",
    );
  const setStatus = (name: string, phase: AnalysisPhase, completedAt?: string) =>
    client.mergePatch(
      AnalysisRuns,
      ref(name),
      { status: { phase, startedAt: at(-1), ...(completedAt ? { completedAt } : {}) } },
      "test",
      { subresource: "status" },
    );
  const adopt = (name: string) =>
    client.mergePatch(AnalysisRuns, ref(name), { metadata: { ownerReferences: [ownerReference] } }, "test");
  /**
   * A run that completed at minute `completedAt`. It is owned only once completed (its update event
   * enqueues the Rollout), so the controller never sees it running and must not terminate it.
   */
  const completedRun = async (name: string, phase: AnalysisPhase, completedAt: number, owned = true) => {
    await create(name, false);
    await setStatus(name, phase, at(completedAt));
    if (owned) await adopt(name);
  };
  const runNames = async () =>
    (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items
      .map((r) => r.metadata?.name ?? "")
      .sort();
  const untilRunsAre = (what: string, expected: string[]) =>
    waitFor(
      what,
      async () => {
        const names = await runNames();
        return JSON.stringify(names) === JSON.stringify([...expected].sort())
          ? names
          : pending(JSON.stringify(names));
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  /** The runs sluice has deleted in this namespace since the test began, up to now (audit log). */
  const deletedRuns = async () =>
    (await auditUntilNow(start, namespace))
      .filter((e) =>
        auditMatches(e, {
          namespace,
          resource: "analysisruns",
          verbs: ["delete"],
          userAgent: SLUICE_AGENT,
          succeeded: true,
        }),
      )
      .map((e) => e.objectRef?.name ?? "")
      .sort();

  // Created in an order that matches neither completion order nor name order, so only sorting by
  // completedAt keeps the right ones. Successful: b (8) and d (6) are the two newest owned.
  await completedRun("ok-a", "Successful", 3);
  await completedRun("ok-b", "Successful", 8);
  await completedRun("ok-c", "Successful", 1);
  await completedRun("ok-d", "Successful", 6);
  // Unsuccessful (Failed, Error, Inconclusive count together): the Error run (9) is the newest.
  await completedRun("bad-failed", "Failed", 4);
  await completedRun("bad-error", "Error", 9);
  await completedRun("bad-inconclusive", "Inconclusive", 5);
  // Newest Successful of all, but not owned: it must neither be deleted nor use up a kept slot.
  await completedRun("unowned", "Successful", 10, false);
  // Owned and still measuring (not this rollout's current step's run): terminated, never deleted.
  await create("running", true);
  await setStatus("running", "Running");

  const kept = ["ok-b", "ok-d", "bad-error", "running", "unowned"];
  await untilRunsAre("runs beyond the history limits deleted", kept);
  const running = await waitFor("the running run terminated", async () => {
    const run = await client.get<AnalysisRun>(AnalysisRuns, ref("running"));
    return run.spec?.terminate === true ? run : pending(JSON.stringify(run.spec?.terminate));
  });
  assert.equal(running.status?.phase, "Running", "terminating a run does not fake its phase");
  for (const name of ["ok-b", "ok-d", "bad-error", "unowned"]) {
    const run = await client.get<AnalysisRun>(AnalysisRuns, ref(name));
    assert.equal(run.spec?.terminate, undefined, `${name} is completed (or not owned): not terminated`);
  }
  const unowned = await client.get<AnalysisRun>(AnalysisRuns, ref("unowned"));
  assert.equal(unowned.metadata?.ownerReferences, undefined, "the unowned run was not adopted");

  // A look begun after that, seen to finish (its run housekeeping comes after its status write):
  // the deletes so far are exactly those beyond the limits, each once.
  await web.lookFinished();
  assert.deepEqual(await deletedRuns(), ["bad-failed", "bad-inconclusive", "ok-a", "ok-c"]);
  assert.deepEqual(await runNames(), [...kept].sort(), "the kept runs stay");

  // The window moves: a newer Successful run pushes out d (6); a Failed run created last but
  // completed first (0) is itself the one beyond the limit, so the Error run (9) stays.
  await completedRun("ok-e", "Successful", 11);
  await completedRun("bad-late", "Failed", 0);
  await untilRunsAre("the history window moved by completedAt", [
    "ok-e",
    "ok-b",
    "bad-error",
    "running",
    "unowned",
  ]);
  await web.lookFinished();
  assert.deepEqual(
    await deletedRuns(),
    ["bad-failed", "bad-inconclusive", "bad-late", "ok-a", "ok-c", "ok-d"],
    "and nothing else goes afterwards",
  );
  assert.deepEqual(await runNames(), ["bad-error", "ok-b", "ok-e", "running", "unowned"]);
});

test("a run the controller cut short is never a verdict: wanted again, it is replaced", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "cut-short");
  const client = testClient();
  await client.create(
    AnalysisTemplates,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "check", namespace },
      spec: { metrics: [{ name: "m", provider: { web: { url: "http://127.0.0.1:1/" } } }] },
    },
    "test",
  );
  // Only the Rollout controller: runs stay as the test leaves them.
  const controller = await startSluice(t, [rolloutController], { namespace });
  await createRollout(
    namespace,
    { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "check" }] } }] } },
    { replicas: 2 },
  );
  const web = rolloutIn(namespace);
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  const first = await waitFor("the step's run", async () => {
    const [run] = (
      await client.list<AnalysisRun>(AnalysisRuns, { namespace, labelSelector: "rollout-type=Step" })
    ).items;
    return run ?? pending("none yet");
  });
  const name = first.metadata?.name ?? "";
  // As if this controller had terminated it earlier (the mark it sets) and it ended Successful.
  // The controller is stopped meanwhile: it replaces a marked run at once, so with it running
  // the status write could find the run already gone.
  await controller.stop();
  await client.mergePatch(
    AnalysisRuns,
    { namespace, name },
    { metadata: { annotations: { [TERMINATED_BY_ROLLOUT]: "true" } }, spec: { terminate: true } },
    "test",
  );
  await client.mergePatch(
    AnalysisRuns,
    { namespace, name },
    { status: { phase: "Successful", completedAt: new Date().toISOString() } },
    "test",
    { subresource: "status" },
  );
  await startSluice(t, [rolloutController], { namespace });
  const fresh = await waitFor("a fresh run under the same name", async () => {
    const run = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name }).catch(() => undefined);
    return run && run.metadata?.uid !== first.metadata?.uid ? run : pending(run?.metadata?.uid ?? "gone");
  });
  assert.equal(fresh.spec?.terminate, undefined);
  assert.equal(fresh.metadata?.annotations?.[TERMINATED_BY_ROLLOUT], undefined);
  const r = await web.get();
  assert.equal(r.status?.currentStepIndex, 1, "still on the analysis step: the cut-short run passed nothing");
  assert.notEqual(r.status?.stableRS, r.status?.currentPodHash);
});
