// The blue/green plan (planOf) as a pure function: preview size, promotion, scale-down deadlines, abort delay.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BlueGreenStrategy, Rollout, RolloutStatus } from "../../../src/api/rollout.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../../src/rollout/bluegreen.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import { planOf } from "../../../src/rollout/plan.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

const NOW = Date.parse("2026-11-26T10:00:00Z");
const machine = (value: string) => ({ sluice: { machine: { machineVersion: 1, value } } });

function rollout(status: RolloutStatus, bg: BlueGreenStrategy = {}): Rollout {
  return {
    metadata: { name: "web", namespace: "ns", generation: 1 },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: {} },
      strategy: { blueGreen: { activeService: "active", previewService: "preview", ...bg } },
    },
    status,
  };
}

const rs = (
  hash: string,
  replicas: number,
  available = replicas,
  annotations: Record<string, string> = {},
): ReplicaSet => ({
  metadata: { name: `web-${hash}`, labels: { [POD_TEMPLATE_HASH_LABEL]: hash }, annotations },
  spec: { replicas, selector: { matchLabels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } } },
  status: { replicas, readyReplicas: available, availableReplicas: available },
});

test("an update runs previewReplicaCount pods behind the preview Service; active stays", () => {
  const status: RolloutStatus = { stableRS: "h1", currentPodHash: "h1", ...machine("healthy") };
  const plan = planOf(
    rollout(status, { previewReplicaCount: 1, autoPromotionEnabled: false }),
    [rs("h1", 4)],
    "h2",
    NOW,
  );
  assert.equal(plan.state, "preview");
  assert.deepEqual(plan.createNew, { hash: "h2", replicas: 1 });
  assert.deepEqual(
    [...plan.services],
    [
      ["active", "h1"],
      ["preview", "h2"],
    ],
    "the preview Service follows the new ReplicaSet at once, ready or not (as the peer)",
  );
  const ready = planOf(
    rollout(plan.status, { previewReplicaCount: 1, autoPromotionEnabled: false }),
    [rs("h1", 4), rs("h2", 1)],
    "h2",
    NOW + 1000,
  );
  assert.equal(ready.state, "paused");
  assert.deepEqual(
    [...ready.services],
    [
      ["active", "h1"],
      ["preview", "h2"],
    ],
  );
  assert.equal(ready.status.phase, "Paused");
  assert.equal(ready.scale.size, 0, "the preview stays at its preview size");
});

test("promotion scales the preview to full first, then switches active and marks the old active", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    controllerPause: true,
    ...machine("paused"),
  };
  const promoting = planOf(
    rollout(status, { previewReplicaCount: 1, autoPromotionEnabled: false }),
    [rs("h1", 4), rs("h2", 1)],
    "h2",
    NOW,
  );
  assert.equal(promoting.state, "promoting", "pause cleared by the user: promoting");
  assert.equal(promoting.scale.get("web-h2"), 4);
  assert.equal(promoting.services.get("active"), "h1", "not before the new pods are all available");
  const done = planOf(
    rollout(promoting.status, { scaleDownDelaySeconds: 30 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW + 5000,
  );
  assert.equal(done.state, "healthy");
  assert.equal(done.services.get("active"), "h2");
  assert.equal(done.status.blueGreen?.activeSelector, "h2");
  assert.equal(done.deadlines.get("web-h1"), new Date(NOW + 5000 + 30_000).toISOString());
  assert.ok(!done.scale.has("web-h1"), "kept up until its deadline");
  const later = planOf(
    rollout(done.status, { scaleDownDelaySeconds: 30 }),
    [rs("h1", 4, 4, { [SCALE_DOWN_DEADLINE_ANNOTATION]: new Date(NOW + 35_000).toISOString() }), rs("h2", 4)],
    "h2",
    NOW + 35_000,
  );
  assert.equal(later.scale.get("web-h1"), 0);
});

test("autoPromotionSeconds wakes the controller when it is due", () => {
  const status: RolloutStatus = { stableRS: "h1", currentPodHash: "h2", ...machine("preview") };
  const plan = planOf(rollout(status, { autoPromotionSeconds: 20 }), [rs("h1", 4), rs("h2", 4)], "h2", NOW);
  assert.equal(plan.state, "paused");
  assert.equal(plan.requeueAfterMs, 0, "a state change gets another look at once");
  const waiting = planOf(
    rollout(plan.status, { autoPromotionSeconds: 20 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW + 1000,
  );
  assert.equal(waiting.requeueAfterMs, 19_000);
  const due = planOf(
    rollout(plan.status, { autoPromotionSeconds: 20 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW + 20_000,
  );
  assert.equal(due.state, "promoting");
});

test("abort keeps active on the stable pods and scales the preview away after abortScaleDownDelaySeconds", () => {
  const status: RolloutStatus = { stableRS: "h1", currentPodHash: "h2", abort: true, ...machine("paused") };
  const aborted = planOf(
    rollout(status, { abortScaleDownDelaySeconds: 10 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
  );
  assert.equal(aborted.state, "aborted");
  assert.equal(aborted.services.get("active"), "h1");
  assert.ok(!aborted.scale.has("web-h2"));
  const after = planOf(
    rollout(aborted.status, { abortScaleDownDelaySeconds: 10 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW + 10_000,
  );
  assert.equal(after.scale.get("web-h2"), 0);
  const never = planOf(
    rollout(aborted.status, { abortScaleDownDelaySeconds: 0 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW + 999_000,
  );
  assert.ok(!never.scale.has("web-h2"), "0 keeps the preview");
});

// ---- pre- and post-promotion analysis ----

const analysis = { templates: [{ templateName: "ratio" }] };
const analysed = { prePromotionAnalysis: analysis, postPromotionAnalysis: analysis };
const runs = (phases: Record<string, string>) => (name: string) =>
  phases[name] ? { name, phase: phases[name] as "Running" } : undefined;

test("pre-promotion analysis starts when the preview is ready and must pass before promotion", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "preview" } },
  };
  const notReady = planOf(rollout(status, analysed), [rs("h1", 4), rs("h2", 4, 2)], "h2", NOW);
  assert.deepEqual(notReady.runs, [], "no analysis of pods that cannot serve yet");
  const ready = planOf(rollout(status, analysed), [rs("h1", 4), rs("h2", 4)], "h2", NOW);
  assert.equal(ready.state, "preview", "waits for the analysis");
  assert.deepEqual(
    ready.runs.map((r) => [r.kind, r.name]),
    [["PrePromotion", "web-h2-3-pre"]],
  );
  const failed = planOf(
    rollout(status, analysed),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-pre": "Failed" }),
  );
  assert.equal(failed.state, "aborted");
  assert.equal(failed.services.get("active"), "h1");
  const passed = planOf(
    rollout(status, analysed),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-pre": "Successful" }),
  );
  assert.equal(passed.state, "promoting");
  assert.equal(passed.status.blueGreen?.prePromotionAnalysisRunStatus?.status, "Successful");
});

test("post-promotion analysis: active switches, stable waits for the run; failure switches back", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "promoting" } },
  };
  const world = [rs("h1", 4), rs("h2", 4)];
  const switched = planOf(rollout(status, analysed), world, "h2", NOW);
  assert.equal(switched.state, "postPromotion");
  assert.equal(switched.services.get("active"), "h2");
  assert.equal(switched.status.stableRS, "h1", "not stable before the analysis passes");
  assert.ok(!switched.deadlines.has("web-h1") && !switched.scale.has("web-h1"), "the old side stays up");
  assert.deepEqual(
    switched.runs.map((r) => r.name),
    ["web-h2-3-post"],
  );
  const failed = planOf(
    rollout(switched.status, analysed),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-3-post": "Error" }),
  );
  assert.equal(failed.state, "aborted");
  assert.equal(failed.services.get("active"), "h1", "back to the stable pods");
  const passed = planOf(
    rollout(switched.status, analysed),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-3-post": "Successful" }),
  );
  assert.equal(passed.state, "healthy");
  assert.equal(passed.status.stableRS, "h2");
  assert.ok(passed.deadlines.has("web-h1"), "the old side now goes after its delay");
});

test("the look that notices a new template starts no pre-promotion run (its preview has no pods)", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h1",
    sluice: { analysisRound: 1, machine: { machineVersion: 1, value: "healthy" } },
  };
  const plan = planOf(rollout(status, analysed), [rs("h1", 4)], "h2", NOW);
  assert.equal(plan.state, "preview");
  assert.deepEqual(plan.runs, []);
});

test("a long post-promotion analysis is not a stalled rollout", () => {
  const longAgo = new Date(NOW - 3_600_000).toISOString();
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "postPromotion" } },
    conditions: [
      {
        type: "Progressing",
        status: "True",
        reason: "ReplicaSetUpdated",
        message: "Rollout is waiting for its analysis",
        lastUpdateTime: longAgo,
        lastTransitionTime: longAgo,
      },
    ],
  };
  const spec = { ...rollout(status, analysed).spec, progressDeadlineAbort: true };
  const plan = planOf(
    { ...rollout(status, analysed), spec },
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-post": "Running" }),
  );
  assert.equal(plan.state, "postPromotion");
  assert.equal(plan.status.abort, false);
  assert.notEqual(plan.status.phase, "Degraded");
});

test("a pause taken while promoting resumes promoting (scaleUpPreviewCheckPoint), not back to preview", () => {
  const bg = { previewReplicaCount: 1, autoPromotionEnabled: false };
  const promoting: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    sluice: { analysisRound: 2, machine: { machineVersion: 1, value: "paused" } },
    controllerPause: true,
  };
  const promoted = planOf(rollout(promoting, bg), [rs("h1", 4), rs("h2", 1)], "h2", NOW);
  assert.equal(promoted.state, "promoting");
  assert.equal(promoted.status.blueGreen?.scaleUpPreviewCheckPoint, true);
  const paused = planOf(
    { ...rollout(promoted.status, bg), spec: { ...rollout(promoted.status, bg).spec, paused: true } },
    [rs("h1", 4), rs("h2", 4, 2)],
    "h2",
    NOW + 1000,
  );
  assert.equal(paused.state, "userPaused");
  const resumed = planOf(rollout(paused.status, bg), [rs("h1", 4), rs("h2", 4, 2)], "h2", NOW + 2000);
  assert.equal(resumed.state, "promoting");
  assert.ok(!resumed.scale.has("web-h2"), "the new ReplicaSet is not scaled back to the preview size");
  assert.deepEqual(resumed.status.pauseConditions, []);
});

test("a user's pause keeps the pre-promotion run measuring (not terminated, not judged as passed)", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "preview" } },
  };
  const r = rollout(status, analysed);
  const paused = planOf(
    { ...r, spec: { ...r.spec, paused: true } },
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-pre": "Running" }),
  );
  assert.equal(paused.state, "userPaused");
  assert.deepEqual(paused.keepRuns, ["web-h2-3-pre"]);
});

test("promote --full during post-promotion analysis completes the update", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    promoteFull: true,
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "postPromotion" } },
  };
  const plan = planOf(
    rollout(status, analysed),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-post": "Running" }),
  );
  assert.equal(plan.state, "healthy");
  assert.equal(plan.status.stableRS, "h2");
  assert.deepEqual(plan.keepRuns, [], "the post run is ended");
});

test("a preview that never gets ready: a wake-up at the progress deadline, then Degraded", () => {
  const status: RolloutStatus = { stableRS: "h1", currentPodHash: "h1", ...machine("healthy") };
  const spec = (s: RolloutStatus) => ({
    ...rollout(s),
    spec: { ...rollout(s).spec, progressDeadlineSeconds: 60 },
  });
  const never = [rs("h1", 4), rs("h2", 4, 0)];
  const started = planOf(spec(status), [rs("h1", 4)], "h2", NOW);
  const waiting = planOf(spec(started.status), never, "h2", NOW + 1000);
  assert.equal(waiting.state, "preview");
  const progressing = waiting.status.conditions?.find((c) => c.type === "Progressing");
  assert.equal(progressing?.reason, "ReplicaSetUpdated");
  const due = Date.parse(progressing?.lastUpdateTime ?? "") + 60_000 - (NOW + 1000);
  assert.equal(waiting.requeueAfterMs, due + 1, "nothing else will wake it: the deadline must");
  // Nothing changes until then; at the wake-up the rollout is Degraded.
  const quiet = planOf(spec(waiting.status), never, "h2", NOW + 30_000);
  assert.equal(quiet.status.phase, "Progressing");
  const late = planOf(spec(quiet.status), never, "h2", NOW + 1000 + (waiting.requeueAfterMs ?? 0));
  assert.equal(late.status.phase, "Degraded");
  assert.match(late.status.message ?? "", /ProgressDeadlineExceeded/);
});

test("promoted and available is Healthy while the old active waits out its delay; counts are the active's", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    blueGreen: { activeSelector: "h1", scaleUpPreviewCheckPoint: true },
    ...machine("promoting"),
  };
  const plan = planOf(rollout(status), [rs("h1", 4), rs("h2", 4)], "h2", NOW);
  assert.equal(plan.state, "healthy");
  assert.deepEqual(plan.services.get("active"), "h2");
  assert.equal(
    plan.status.phase,
    "Healthy",
    "the old active's pods are kept on purpose (scaleDownDelaySeconds)",
  );
  assert.equal(plan.status.message, "");
  assert.equal(
    plan.status.selector,
    `app=web,${POD_TEMPLATE_HASH_LABEL}=h2`,
    "an HPA selects the active pods",
  );
  assert.equal(plan.status.HPAReplicas, 4);
  assert.equal(plan.status.availableReplicas, 4, "only the active ReplicaSet's pods count");
  assert.equal(plan.status.readyReplicas, 4);
  assert.equal(plan.status.replicas, 8, "replicas still counts every pod");
});

test("phase messages of a blue/green update, as the peer words them", () => {
  const waiting = planOf(
    rollout(
      { stableRS: "h1", currentPodHash: "h2", blueGreen: { activeSelector: "h1" }, ...machine("promoting") },
      { postPromotionAnalysis: { templates: [{ templateName: "t" }] } },
    ),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
  );
  assert.equal(waiting.state, "postPromotion");
  assert.equal(waiting.status.phase, "Progressing");
  assert.equal(waiting.status.message, "waiting for analysis to complete");
  const cutover = planOf(
    rollout({ stableRS: "h1", currentPodHash: "h2", ...machine("preview") }, { autoPromotionEnabled: false }),
    [rs("h1", 4), rs("h2", 4, 1)],
    "h2",
    NOW,
  );
  assert.equal(cutover.status.phase, "Progressing");
  assert.equal(cutover.status.message, "active service cutover pending");
});

test("resuming an Inconclusive pre- or post-promotion analysis runs it again; nothing promotes without a pass", () => {
  const world = [rs("h1", 4), rs("h2", 4)];
  const round3 = (value: string) => ({ sluice: { analysisRound: 3, machine: { machineVersion: 1, value } } });
  const undecided = planOf(
    rollout({ stableRS: "h1", currentPodHash: "h2", ...round3("preview") }, analysed),
    world,
    "h2",
    NOW,
    runs({ "web-h2-3-pre": "Inconclusive" }),
  );
  assert.equal(undecided.state, "paused");
  const resumed = planOf(
    rollout({ ...undecided.status, pauseConditions: [] }, analysed),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-3-pre": "Inconclusive" }),
  );
  assert.equal(resumed.state, "preview", "back to preview, not promoting");
  assert.deepEqual(
    resumed.runs.map((r) => r.name),
    ["web-h2-3-pre.1"],
  );
  assert.equal(resumed.status.blueGreen?.activeSelector, "h1");

  const post = { stableRS: "h1", currentPodHash: "h2", blueGreen: { activeSelector: "h2" } };
  const waiting = planOf(
    rollout({ ...post, ...round3("postPromotion") }, analysed),
    world,
    "h2",
    NOW,
    runs({ "web-h2-3-post": "Inconclusive" }),
  );
  assert.equal(waiting.status.pauseConditions?.[0]?.reason, "InconclusiveAnalysisRun");
  const again = planOf(
    rollout({ ...waiting.status, pauseConditions: [] }, analysed),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-3-post": "Inconclusive" }),
  );
  assert.equal(again.state, "postPromotion");
  assert.equal(again.status.stableRS, "h1", "not stable without a passing analysis");
  assert.deepEqual(
    again.runs.map((r) => r.name),
    ["web-h2-3-post.1"],
  );
});

test("going back to a version still within its scale-down delay is fast-tracked; its deadline is removed", () => {
  const promoted: RolloutStatus = {
    stableRS: "h2",
    currentPodHash: "h2",
    blueGreen: { activeSelector: "h2" },
    ...machine("healthy"),
  };
  const due = new Date(NOW + 30_000).toISOString();
  const world = [rs("h1", 4, 4, { [SCALE_DOWN_DEADLINE_ANNOTATION]: due }), rs("h2", 4)];
  const back = planOf(rollout(promoted, { autoPromotionEnabled: false }), world, "h1", NOW);
  assert.equal(back.state, "healthy", "no preview, no pause");
  assert.equal(back.status.stableRS, "h1");
  assert.equal(back.services.get("active"), "h1");
  assert.deepEqual(back.notices, ["RolloutUpdated", "SkipSteps"]);
  assert.equal(back.deadlines.get("web-h1"), null, "current again: no longer on its way out");
  assert.equal(
    back.deadlines.get("web-h2"),
    new Date(NOW + 30_000).toISOString(),
    "the one left waits afresh",
  );

  const expired = [
    rs("h1", 4, 4, { [SCALE_DOWN_DEADLINE_ANNOTATION]: new Date(NOW - 1).toISOString() }),
    rs("h2", 4),
  ];
  const slow = planOf(rollout(promoted, { autoPromotionEnabled: false }), expired, "h1", NOW);
  assert.equal(slow.state, "preview", "past its delay it is an ordinary update");
});

test("review fixes: an undecided pause is not woken for auto-promotion; an unreadable deadline is recorded afresh", () => {
  const undecided: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    controllerPause: true,
    pauseConditions: [{ reason: "InconclusiveAnalysisRun", startTime: new Date(NOW - 60_000).toISOString() }],
    sluice: { analysisRound: 3, machine: { machineVersion: 1, value: "paused" } },
  };
  const plan = planOf(
    rollout(undecided, { ...analysed, autoPromotionSeconds: 5 }),
    [rs("h1", 4), rs("h2", 4)],
    "h2",
    NOW,
    runs({ "web-h2-3-pre": "Inconclusive" }),
  );
  assert.equal(plan.state, "paused");
  assert.equal(plan.requeueAfterMs, undefined, "no wake-up (it was 0 on every look: a busy loop)");

  const promoted: RolloutStatus = {
    stableRS: "h2",
    currentPodHash: "h2",
    blueGreen: { activeSelector: "h2" },
    ...machine("healthy"),
  };
  const garbled = planOf(
    rollout(promoted, { scaleDownDelaySeconds: 30 }),
    [rs("h1", 4, 4, { [SCALE_DOWN_DEADLINE_ANNOTATION]: "tomorrow" }), rs("h2", 4)],
    "h2",
    NOW,
  );
  assert.equal(garbled.deadlines.get("web-h1"), new Date(NOW + 30_000).toISOString());
  assert.equal(garbled.requeueAfterMs, 30_000);
});
