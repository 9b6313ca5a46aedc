// The canary plan (planOf) as a pure function: one reconcile's decisions for given Rollout + ReplicaSets + now.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout, RolloutStatus } from "../../../src/api/rollout.ts";
import { plainContext } from "../../../src/rollout/context.ts";
import { POD_TEMPLATE_HASH_LABEL, stepsHash } from "../../../src/rollout/hash.ts";
import { pauseTransition, planOf, planRollout } from "../../../src/rollout/plan.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

const NOW = Date.parse("2026-11-26T10:00:00Z");

function rollout(status: RolloutStatus = {}, spec: Partial<NonNullable<Rollout["spec"]>> = {}): Rollout {
  return {
    metadata: { name: "web", namespace: "ns", generation: 2 },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: {} },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          steps: [{ setWeight: 20 }, { pause: {} }],
        },
      },
      ...spec,
    },
    status,
  };
}

const rs = (hash: string, replicas: number, available = replicas): ReplicaSet => ({
  metadata: { name: `web-${hash}`, labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } },
  spec: { replicas },
  status: { replicas, readyReplicas: available, availableReplicas: available },
});

/** `r` as the ReplicaSet of revision `n` (rollout.argoproj.io/revision). */
const withRevision = (r: ReplicaSet, n: number): ReplicaSet => ({
  ...r,
  metadata: { ...r.metadata, annotations: { "rollout.argoproj.io/revision": String(n) } },
});

test("a brand-new Rollout: create the ReplicaSet at full size, skip the steps, stable at once, Progressing", () => {
  const plan = planOf(rollout(), [], "h1", NOW);
  assert.equal(plan.state, "healthy");
  assert.deepEqual(plan.createNew, { hash: "h1", replicas: 5 });
  assert.deepEqual(plan.notices, ["RolloutUpdated", "SkipSteps"]);
  assert.equal(plan.status.currentPodHash, "h1");
  assert.equal(plan.status.stableRS, "h1", "the peer's initial deploy: stable before its pods are ready");
  assert.equal(plan.status.currentStepIndex, 2, "every step counts as done");
  assert.equal(plan.status.phase, "Progressing");
  assert.equal(plan.services.size, 0, "no Service moves to pods that do not exist yet");
  assert.equal(plan.requeueAfterMs, 0);
});

test("first deploy available: promoted, Healthy, Services pinned", () => {
  const status: RolloutStatus = {
    currentPodHash: "h1",
    sluice: { machine: { machineVersion: 1, value: "promoting" } },
  };
  const plan = planOf(rollout(status), [rs("h1", 5)], "h1", NOW);
  assert.equal(plan.state, "healthy");
  assert.equal(plan.status.stableRS, "h1");
  assert.equal(plan.status.phase, "Healthy");
  assert.equal(plan.status.observedGeneration, 2);
  assert.deepEqual(
    [...plan.services],
    [
      ["web-stable", "h1"],
      ["web-canary", "h1"],
    ],
  );
  assert.equal(plan.scale.size, 0);
  assert.equal(plan.status.selector, "app=web");
  assert.equal(plan.status.HPAReplicas, 5);
});

test("a new template: the first canary pod within maxSurge, one stable pod within maxUnavailable", () => {
  const status: RolloutStatus = { currentPodHash: "h1", stableRS: "h1", currentStepIndex: 2 };
  const plan = planOf(rollout(status), [rs("h1", 5)], "h2", NOW);
  assert.equal(plan.state, "stepping");
  assert.deepEqual(plan.createNew, { hash: "h2", replicas: 1 });
  assert.equal(plan.status.currentStepIndex, 0);
  assert.equal(plan.status.canary?.weights?.canary.weight, 20);
  assert.equal(plan.scale.get("web-h1"), 4, "maxUnavailable 25% of 5 = 1 lets one stable pod go at once");
  assert.deepEqual(
    [...plan.services],
    [["web-stable", "h1"]],
    "the canary Service waits for a serving canary",
  );
  // Next look: the canary pod serves; the Services split and nothing more scales.
  const next = planOf(rollout(plan.status), [rs("h1", 4), rs("h2", 1)], "h2", NOW + 1000);
  assert.equal(next.scale.size, 0);
  assert.deepEqual(
    [...next.services],
    [
      ["web-stable", "h1"],
      ["web-canary", "h2"],
    ],
  );
});

test("spec.paused holds every scale", () => {
  const status: RolloutStatus = { currentPodHash: "h2", stableRS: "h1", currentStepIndex: 0 };
  const plan = planOf(rollout(status, { paused: true }), [rs("h1", 5), rs("h2", 0)], "h2", NOW);
  assert.equal(plan.state, "userPaused");
  assert.equal(plan.scale.size, 0);
  assert.equal(plan.status.phase, "Paused");
  assert.equal(plan.status.message, "manually paused");
});

test("no progress past the deadline: Degraded; with progressDeadlineAbort, aborted", () => {
  const stuckSince = new Date(NOW - 700_000).toISOString();
  const status: RolloutStatus = {
    currentPodHash: "h2",
    stableRS: "h1",
    currentStepIndex: 0,
    updatedReplicas: 1,
    availableReplicas: 4,
    sluice: { machine: { machineVersion: 1, value: "stepping" } },
    conditions: [
      {
        type: "Progressing",
        status: "True",
        reason: "ReplicaSetUpdated",
        message: 'ReplicaSet "web-h2" is progressing.',
        lastUpdateTime: stuckSince,
        lastTransitionTime: stuckSince,
      },
    ],
  };
  const world = [rs("h1", 4), rs("h2", 1, 0)];
  const stuck = planOf(rollout(status), world, "h2", NOW);
  assert.equal(stuck.status.phase, "Degraded");
  assert.match(
    stuck.status.message ?? "",
    /^ProgressDeadlineExceeded: ReplicaSet "web-h2" has timed out progressing/,
  );
  assert.equal(stuck.status.abort, false);
  const aborting = planOf(rollout(status, { progressDeadlineAbort: true }), world, "h2", NOW);
  assert.equal(aborting.state, "aborted");
  assert.equal(aborting.status.abort, true);
  assert.equal(aborting.status.phase, "Degraded");
  assert.match(aborting.status.message ?? "", /^RolloutAborted/);
  assert.equal(aborting.status.canary?.weights?.canary.weight, 0);
  // Within the deadline nothing is wrong, and the plan asks to be woken when it would pass.
  const fresh = planOf(rollout(status), world, "h2", Date.parse(stuckSince) + 1000);
  assert.equal(fresh.status.phase, "Progressing");
  assert.ok(
    (fresh.requeueAfterMs ?? 0) > 598_000 && (fresh.requeueAfterMs ?? 0) <= 600_001,
    `${fresh.requeueAfterMs}`,
  );
});

test("an unchanged world plans nothing and leaves the status as it was", () => {
  const first = planOf(
    rollout({ currentPodHash: "h1", sluice: { machine: { machineVersion: 1, value: "promoting" } } }),
    [rs("h1", 5)],
    "h1",
    NOW,
  );
  const settled = rollout(first.status);
  const again = planOf(settled, [rs("h1", 5)], "h1", NOW + 60_000);
  assert.equal(again.scale.size, 0);
  assert.equal(again.createNew, undefined);
  assert.deepEqual(again.notices, []);
  assert.deepEqual(again.status, first.status, "no field (not even a condition time) changes");
});

test("revision history: only scaled-down ReplicaSets are pruned, oldest first, keeping revisionHistoryLimit", () => {
  const old = (hash: string, revision: number, replicas = 0): ReplicaSet => ({
    ...rs(hash, replicas),
    metadata: {
      ...rs(hash, replicas).metadata,
      annotations: { "rollout.argoproj.io/revision": String(revision) },
    },
  });
  const status: RolloutStatus = {
    currentPodHash: "h9",
    stableRS: "h9",
    sluice: { machine: { machineVersion: 1, value: "healthy" } },
  };
  const world = [old("h1", 1), old("h2", 2), old("h3", 3, 1), old("h4", 4), old("h5", 5), old("h9", 9, 5)];
  const plan = planOf(rollout(status, { revisionHistoryLimit: 2 }), world, "h9", NOW);
  // As the Deployment controller counts: only scaled-down ReplicaSets are history (h3 still has a
  // pod), so h4 and h5 are the two kept.
  assert.deepEqual(plan.prune, ["web-h1", "web-h2"]);
  const none = planOf(rollout(status, { revisionHistoryLimit: 10 }), world, "h9", NOW);
  assert.deepEqual(none.prune, []);
});

// ---- analysis runs ----

const analysis = { templates: [{ templateName: "ratio" }] };
const withAnalysis = (status: RolloutStatus) =>
  rollout(status, {
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { analysis }, { pause: {} }],
        analysis: { ...analysis, startingStep: 1 },
      },
    },
  });
const runs =
  (phases: Record<string, "Running" | "Successful" | "Failed" | "Inconclusive">) => (name: string) =>
    phases[name] ? { name, phase: phases[name] } : undefined;

test("a new template starts a new analysis round; runs are wanted only from their step on", () => {
  const status: RolloutStatus = { currentPodHash: "h1", stableRS: "h1", sluice: { analysisRound: 4 } };
  const plan = planOf(withAnalysis(status), [rs("h1", 5)], "h2", NOW);
  assert.equal(plan.status.sluice?.analysisRound, 5);
  assert.deepEqual(plan.runs, [], "step 0: no step analysis, background starts at step 1");
  // At step 1: the step's run and the background run, named by hash, round and kind.
  const atStep1: RolloutStatus = { ...plan.status, currentStepIndex: 1 };
  const next = planOf(withAnalysis(atStep1), [rs("h1", 4), rs("h2", 1)], "h2", NOW);
  assert.deepEqual(
    next.runs.map((r) => [r.kind, r.name, r.stepIndex]),
    [
      ["Step", "web-h2-5-1", 1],
      ["Background", "web-h2-5-background", undefined],
    ],
  );
  assert.deepEqual(next.keepRuns.sort(), ["web-h2-5-1", "web-h2-5-background"]);
});

/** At the analysis step (index 1) of round 5, background analysis on: v2 at 1 of 5 pods. */
const ON_ANALYSIS_STEP: RolloutStatus = {
  currentPodHash: "h2",
  stableRS: "h1",
  currentStepIndex: 1,
  sluice: { analysisRound: 5, machine: { machineVersion: 1, value: "stepping" } },
};
const planAnalysed = (
  phases: Parameters<typeof runs>[0],
  status: RolloutStatus = ON_ANALYSIS_STEP,
  now = NOW,
) => planOf(withAnalysis(status), [rs("h1", 4), rs("h2", 1)], "h2", now, runs(phases));

test("run verdicts: Successful advances, a failed background run aborts, Inconclusive pauses", () => {
  const passed = planAnalysed({ "web-h2-5-1": "Successful", "web-h2-5-background": "Running" });
  assert.equal(passed.status.currentStepIndex, 2);
  assert.deepEqual(
    passed.verdicts.map((v) => [v.kind, v.phase]),
    [["Step", "Successful"]],
  );
  assert.equal(passed.status.canary?.currentBackgroundAnalysisRunStatus?.name, "web-h2-5-background");

  const failed = planAnalysed({ "web-h2-5-1": "Running", "web-h2-5-background": "Failed" });
  assert.equal(failed.state, "aborted");
  assert.equal(failed.status.abort, true);
  assert.deepEqual(failed.runs, [], "an aborted rollout wants no runs (the running ones are terminated)");
  assert.deepEqual(failed.keepRuns, []);
  assert.match(failed.verdicts[0]?.message ?? "", /^Background analysis phase failed/);
  assert.match(failed.status.message ?? "", /^RolloutAborted: .*: Background analysis phase failed$/);
  assert.equal(
    failed.status.canary?.currentBackgroundAnalysisRunStatus?.status,
    "Failed",
    "kept once aborted",
  );

  const undecided = planAnalysed({ "web-h2-5-1": "Inconclusive", "web-h2-5-background": "Running" });
  assert.equal(undecided.state, "pausedStep");
  assert.deepEqual(
    undecided.status.pauseConditions?.map((p) => p.reason),
    ["InconclusiveAnalysisRun"],
  );
  assert.equal(undecided.status.phase, "Paused");
  assert.equal(undecided.status.currentStepIndex, 1);
  assert.deepEqual(
    undecided.runs.map((r) => r.kind),
    ["Background"],
    "the paused step starts no new run",
  );

  // The person clears the pause only: the undecided step is measured again by a fresh run (the
  // peer's needsNewAnalysisRun), never passed; the background run carries on.
  const seen = { "web-h2-5-1": "Inconclusive", "web-h2-5-background": "Running" } as const;
  const resumed = planAnalysed(seen, { ...undecided.status, pauseConditions: [] }, NOW + 1000);
  assert.equal(resumed.status.currentStepIndex, 1, "the step is not passed without a passing analysis");
  assert.equal(resumed.status.sluice?.runRestarts, 1);
  assert.equal(resumed.status.sluice?.analysisRound, 5, "the background run carries on");
  const again = planAnalysed(seen, resumed.status, NOW + 2000);
  assert.deepEqual(
    again.runs.map((r) => r.name),
    ["web-h2-5-1.1", "web-h2-5-background"],
  );
  assert.ok(again.keepRuns.includes("web-h2-5-background"));
  assert.ok(!again.keepRuns.includes("web-h2-5-1"), "the undecided run is done with");
  // The peer's CLI promote (pause cleared, controllerPause off, currentStepIndex + 1) moves on.
  const promoted = planAnalysed(
    seen,
    { ...undecided.status, pauseConditions: [], controllerPause: false, currentStepIndex: 2 },
    NOW + 1000,
  );
  assert.equal(promoted.status.currentStepIndex, 2);
});

test("an Inconclusive background run: a resume keeps the step and starts a fresh background run", () => {
  const status: RolloutStatus = {
    currentPodHash: "h2",
    stableRS: "h1",
    currentStepIndex: 0,
    sluice: { analysisRound: 2, machine: { machineVersion: 1, value: "stepping" } },
  };
  const spec = {
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }], analysis: { ...analysis } } },
  };
  const world = [rs("h1", 5), rs("h2", 0)];
  const paused = planOf(
    rollout(status, spec),
    world,
    "h2",
    NOW,
    runs({ "web-h2-2-background": "Inconclusive" }),
  );
  assert.equal(paused.state, "pausedStep");
  assert.equal(paused.status.pauseConditions?.[0]?.reason, "InconclusiveAnalysisRun");
  assert.equal(paused.requeueAfterMs, 0);
  const resumed = planOf(
    rollout({ ...paused.status, pauseConditions: [] }, spec),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-2-background": "Inconclusive" }),
  );
  assert.equal(resumed.status.currentStepIndex, 0, "the setWeight step is not skipped");
  assert.equal(resumed.status.sluice?.analysisRound, 2, "the round (and its step runs) carries on");
  assert.equal(resumed.status.sluice?.backgroundRestarts, 1);
  assert.deepEqual(
    resumed.runs.map((r) => r.name),
    ["web-h2-2-background-1"],
  );
});

test("resuming an undecided background run on an analysis step keeps the step's run measuring", () => {
  const undecided = planAnalysed({ "web-h2-5-1": "Running", "web-h2-5-background": "Inconclusive" });
  assert.equal(undecided.state, "pausedStep");
  assert.ok(undecided.keepRuns.includes("web-h2-5-1"), "the step's run is kept while paused");
  const resumed = planAnalysed(
    { "web-h2-5-1": "Running", "web-h2-5-background": "Inconclusive" },
    { ...undecided.status, pauseConditions: [] },
    NOW + 1000,
  );
  assert.equal(resumed.state, "stepping");
  assert.equal(resumed.status.currentStepIndex, 1, "the analysis step is not done: its run still measures");
  assert.deepEqual(
    resumed.runs.map((r) => r.name),
    ["web-h2-5-1", "web-h2-5-background-1"],
    "the same step run, a fresh background run",
  );
  assert.deepEqual(resumed.keepRuns.sort(), ["web-h2-5-1", "web-h2-5-background-1"]);
  // A second undecided background verdict and resume: the next fresh run.
  const again = planAnalysed(
    { "web-h2-5-1": "Running", "web-h2-5-background-1": "Inconclusive" },
    { ...resumed.status, currentStepIndex: 1 },
    NOW + 2000,
  );
  assert.equal(again.state, "pausedStep");
  const resumedAgain = planAnalysed(
    { "web-h2-5-1": "Running", "web-h2-5-background-1": "Inconclusive" },
    { ...again.status, pauseConditions: [] },
    NOW + 3000,
  );
  assert.ok(resumedAgain.runs.some((r) => r.name === "web-h2-5-background-2"));
  // A new template starts a new round with no restarts.
  const updated = planOf(withAnalysis(resumedAgain.status), [rs("h1", 4), rs("h2", 1)], "h3", NOW + 4000);
  assert.equal(updated.status.sluice?.analysisRound, 6);
  assert.equal(updated.status.sluice?.backgroundRestarts, 0);
});

test("a long analysis step is not a stalled rollout: no deadline while it runs, a fresh clock after", () => {
  const longAgo = new Date(NOW - 3_600_000).toISOString();
  const status: RolloutStatus = {
    currentPodHash: "h2",
    stableRS: "h1",
    currentStepIndex: 1,
    updatedReplicas: 1,
    availableReplicas: 5,
    sluice: { analysisRound: 5, machine: { machineVersion: 1, value: "stepping" } },
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
  const world = [rs("h1", 4), rs("h2", 1)];
  const spec = { progressDeadlineAbort: true, ...withAnalysis(status).spec };
  const running = planOf(rollout(status, spec), world, "h2", NOW, runs({ "web-h2-5-1": "Running" }));
  assert.equal(running.state, "stepping", "an hour of analysis neither times out nor aborts");
  assert.equal(running.status.phase, "Progressing");
  assert.equal(running.status.abort, false);
  const passed = planOf(rollout(status, spec), world, "h2", NOW, runs({ "web-h2-5-1": "Successful" }));
  assert.equal(passed.status.currentStepIndex, 2);
  const progressing = passed.status.conditions?.find((c) => c.type === "Progressing");
  assert.equal(progressing?.lastUpdateTime, new Date(NOW).toISOString(), "the clock restarts after the step");
});

test("background analysis judges the final scale-up too: a failure there aborts, Inconclusive pauses", () => {
  const status: RolloutStatus = {
    currentPodHash: "h2",
    stableRS: "h1",
    currentStepIndex: 3,
    sluice: { analysisRound: 5, machine: { machineVersion: 1, value: "promoting" } },
  };
  const world = [rs("h1", 2), rs("h2", 5, 3)];
  const running = planOf(withAnalysis(status), world, "h2", NOW, runs({ "web-h2-5-background": "Running" }));
  assert.equal(running.state, "promoting");
  assert.deepEqual(
    running.runs.map((r) => r.name),
    ["web-h2-5-background"],
  );
  assert.equal(running.status.canary?.currentBackgroundAnalysisRunStatus?.status, "Running");

  const failed = planOf(
    withAnalysis(status),
    [rs("h1", 0), rs("h2", 5)],
    "h2",
    NOW,
    runs({ "web-h2-5-background": "Failed" }),
  );
  assert.equal(failed.state, "aborted", "the failure wins over the promotion it arrived with");
  assert.equal(failed.status.stableRS, "h1");

  const undecided = planOf(
    withAnalysis(status),
    world,
    "h2",
    NOW,
    runs({ "web-h2-5-background": "Inconclusive" }),
  );
  assert.equal(undecided.state, "pausedStep");
  assert.equal(undecided.status.pauseConditions?.[0]?.reason, "InconclusiveAnalysisRun");
  assert.equal(undecided.status.canary?.weights?.canary.weight, 100, "held where it was");
  const resumed = planOf(
    withAnalysis({ ...undecided.status, pauseConditions: [] }),
    world,
    "h2",
    NOW + 1000,
    runs({ "web-h2-5-background": "Inconclusive" }),
  );
  assert.equal(resumed.state, "promoting");
  assert.equal(resumed.status.currentStepIndex, 3);
  assert.deepEqual(
    resumed.runs.map((r) => r.name),
    ["web-h2-5-background-1"],
    "a fresh background run",
  );
});

test("the peer CLI's promote of an Inconclusive step (next index, no pause) runs the next step's analysis", () => {
  const steps = [{ setWeight: 20 }, { analysis }, { analysis }, { setWeight: 80 }];
  const spec = { strategy: { canary: { steps } } };
  // `kubectl argo rollouts promote` on step 1: {pauseConditions: null, controllerPause: false, currentStepIndex: 2}
  const status: RolloutStatus = {
    currentPodHash: "h2",
    stableRS: "h1",
    currentStepIndex: 2,
    controllerPause: false,
    pauseConditions: [],
    sluice: { analysisRound: 5, machine: { machineVersion: 1, value: "pausedStep" } },
  };
  const plan = planOf(rollout(status, spec), [rs("h1", 4), rs("h2", 1)], "h2", NOW);
  assert.equal(plan.state, "stepping");
  assert.equal(plan.status.currentStepIndex, 2);
  assert.deepEqual(plan.status.pauseConditions, [], "no pause added on an analysis step");
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    ["web-h2-5-2"],
  );
});

test("a first revision that never gets ready is still stable: the second walks its steps", () => {
  const first = planOf(rollout(), [], "h1", NOW);
  const waiting = planOf(rollout(first.status), [rs("h1", 5, 0)], "h1", NOW + 1000);
  assert.equal(waiting.status.stableRS, "h1");
  assert.equal(waiting.status.phase, "Progressing");
  const second = planOf(rollout(waiting.status), [rs("h1", 5, 0)], "h2", NOW + 2000);
  assert.equal(second.state, "stepping", "not mistaken for a first deploy");
  assert.equal(second.status.currentStepIndex, 0);
  assert.deepEqual(second.notices, ["RolloutUpdated"]);
});

test("abort puts the update back at step 0, as the peer", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    currentStepIndex: 1,
    abort: true,
    controllerPause: true,
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: new Date(NOW).toISOString() }],
    sluice: { machine: { machineVersion: 1, value: "pausedStep" } },
  };
  const plan = planOf(rollout(status), [rs("h1", 4), rs("h2", 1)], "h2", NOW);
  assert.equal(plan.state, "aborted");
  assert.equal(plan.status.currentStepIndex, 0);
});

test("a promoted rollout that loses pods progresses (ReplicaSetNotAvailable), then times out, then recovers", () => {
  const healthy = planOf(
    rollout({ stableRS: "h1", currentPodHash: "h1", currentStepIndex: 2 }, { progressDeadlineSeconds: 60 }),
    [rs("h1", 5)],
    "h1",
    NOW,
  );
  assert.equal(healthy.status.phase, "Healthy");
  const spec = { progressDeadlineSeconds: 60 };
  const lost = planOf(rollout(healthy.status, spec), [rs("h1", 5, 3)], "h1", NOW + 1000);
  const progressing = lost.status.conditions?.find((c) => c.type === "Progressing");
  assert.equal(progressing?.reason, "ReplicaSetNotAvailable");
  assert.equal(progressing?.message, "Rollout does not have minimum availability");
  assert.equal(lost.status.phase, "Progressing");
  assert.equal(lost.requeueAfterMs, 60_001, "woken at the deadline");
  const late = planOf(rollout(lost.status, spec), [rs("h1", 5, 3)], "h1", NOW + 1000 + 60_001);
  assert.equal(late.status.phase, "Degraded");
  assert.match(late.status.message ?? "", /^ProgressDeadlineExceeded: /);
  assert.equal(late.status.abort ?? false, false, "nothing to abort to");
  const back = planOf(rollout(late.status, spec), [rs("h1", 5)], "h1", NOW + 70_000);
  assert.equal(back.status.phase, "Healthy");
  assert.equal(
    back.status.conditions?.find((c) => c.type === "Progressing")?.reason,
    "NewReplicaSetAvailable",
  );
});

test("editing the steps mid-update starts over at step 0 (pause and abort cleared); at rest it only records them", () => {
  const oldSteps = [{ setWeight: 20 }, { pause: {} }];
  const newSteps = [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }];
  const canary = (steps: typeof newSteps) => ({
    strategy: { canary: { canaryService: "web-canary", stableService: "web-stable", steps } },
  });
  const paused: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    currentStepIndex: 1,
    currentStepHash: stepsHash(oldSteps),
    controllerPause: true,
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: new Date(NOW).toISOString() }],
    sluice: { analysisRound: 4, machine: { machineVersion: 1, value: "pausedStep" } },
  };
  const world = [rs("h1", 4), rs("h2", 1)];
  const same = planOf(rollout(paused, canary(oldSteps)), world, "h2", NOW);
  assert.equal(same.state, "pausedStep", "unchanged steps: nothing restarts");
  const edited = planOf(rollout(paused, canary(newSteps)), world, "h2", NOW);
  assert.equal(edited.status.currentStepIndex, 0);
  assert.deepEqual(edited.status.pauseConditions, []);
  assert.equal(edited.status.currentStepHash, stepsHash(newSteps));
  assert.equal(edited.status.sluice?.analysisRound, 5, "fresh runs for the new steps");
  assert.ok(edited.notices.includes("RolloutUpdated"));

  const aborted = planOf(
    rollout(
      {
        ...paused,
        abort: true,
        pauseConditions: [],
        sluice: { machine: { machineVersion: 1, value: "aborted" } },
      },
      canary(newSteps),
    ),
    world,
    "h2",
    NOW,
  );
  assert.equal(aborted.status.abort, false, "an edit of the steps clears the abort, as the peer");
  assert.equal(aborted.status.currentStepIndex, 0);

  const rest: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h1",
    currentStepIndex: 2,
    currentStepHash: stepsHash(oldSteps),
  };
  const atRest = planOf(rollout(rest, canary(newSteps)), [rs("h1", 5)], "h1", NOW);
  assert.equal(atRest.state, "healthy");
  assert.equal(atRest.status.currentStepIndex, 3, "every new step counts as done");
  assert.equal(atRest.status.currentStepHash, stepsHash(newSteps));
});

test("canary and stable Services move only to fully available pods (the EndpointSlice may lag a just-ready pod)", () => {
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    currentStepIndex: 0,
    sluice: { machine: { machineVersion: 1, value: "stepping" } },
  };
  const half = planOf(rollout(status), [rs("h1", 4), rs("h2", 2, 1)], "h2", NOW);
  assert.equal(half.services.get("web-canary"), undefined, "one of two canary pods available: not yet");
  const all = planOf(rollout(status), [rs("h1", 4), rs("h2", 2)], "h2", NOW);
  assert.equal(all.services.get("web-canary"), "h2");
});

test("a step completes only with the stable's pods available and no older ReplicaSet serving; the newest old one drains first", () => {
  // 5 pods at 20 %: canary 1, stable 4 (steps: setWeight 20, pause).
  const status: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h3",
    currentStepIndex: 0,
    sluice: { machine: { machineVersion: 1, value: "stepping" } },
  };
  const stableShort = planOf(
    rollout(status),
    [withRevision(rs("h1", 4, 3), 1), withRevision(rs("h3", 1), 3)],
    "h3",
    NOW,
  );
  assert.equal(stableShort.status.currentStepIndex, 0, "the stable's 4th pod is not available yet");
  const oldServing = planOf(
    rollout(status),
    [withRevision(rs("h1", 4), 1), withRevision(rs("h2", 0, 1), 2), withRevision(rs("h3", 1), 3)],
    "h3",
    NOW,
  );
  assert.equal(oldServing.status.currentStepIndex, 0, "an older ReplicaSet still has an available pod");
  const done = planOf(
    rollout(status),
    [withRevision(rs("h1", 4), 1), withRevision(rs("h3", 1), 3)],
    "h3",
    NOW,
  );
  assert.equal(done.status.currentStepIndex, 1);
  // Two older ReplicaSets (revisions 2 and 3) and room to drop one pod: the newer (3) goes first.
  const draining = planOf(
    rollout({ ...status, currentPodHash: "h4" }),
    [
      withRevision(rs("h1", 3), 1),
      withRevision(rs("h2", 1), 2),
      withRevision(rs("h3", 1), 3),
      withRevision(rs("h4", 0), 4),
    ],
    "h4",
    NOW,
  );
  assert.equal(draining.scale.get("web-h3"), 0, "the newest older ReplicaSet drains first");
  assert.equal(draining.scale.has("web-h2"), false);
});

test("the abort condition names the revision and carries the run's message, as the peer", () => {
  const status: RolloutStatus = {
    ...ON_ANALYSIS_STEP,
    sluice: { analysisRound: 5, machine: { machineVersion: 1, value: "stepping" } },
  };
  const message = 'Metric "ratio" assessed Failed due to failed (1) > failureLimit (0)';
  const plan = planOf(
    withAnalysis(status),
    [withRevision(rs("h1", 4), 1), withRevision(rs("h2", 1), 2)],
    "h2",
    NOW,
    (name) => (name === "web-h2-5-1" ? { name, phase: "Failed", message } : undefined),
  );
  assert.equal(plan.state, "aborted");
  const progressing = plan.status.conditions?.find((c) => c.type === "Progressing");
  assert.equal(progressing?.message, `Rollout aborted update to revision 2: ${message}`);
  assert.equal(plan.status.conditions?.find((c) => c.type === "Healthy")?.status ?? "absent", "absent");
  const completed = plan.status.conditions?.find((c) => c.type === "Completed");
  assert.deepEqual([completed?.status, completed?.reason], ["False", "RolloutCompleted"]);
});

test("review fixes: an abort while promote --full is pending stays aborted; a refusal in the look that starts an update is not an abort", () => {
  const promoting: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    currentStepIndex: 1,
    promoteFull: true,
    abort: true,
    sluice: { machine: { machineVersion: 1, value: "promoting" } },
  };
  const world = [rs("h1", 4), rs("h2", 1)];
  const aborted = planOf(rollout(promoting), world, "h2", NOW);
  assert.equal(aborted.state, "aborted");
  assert.equal(aborted.status.promoteFull, false, "the pending promote --full is dropped");
  const later = planOf(rollout(aborted.status), world, "h2", NOW + 1000);
  assert.equal(later.state, "aborted", "it does not bounce back to promoting");

  const healthy: RolloutStatus = { stableRS: "h1", currentPodHash: "h1", currentStepIndex: 2 };
  const spec = {
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }], analysis: { ...analysis } } },
  };
  const context = {
    ...plainContext(rollout(healthy, spec), [rs("h1", 5)], "h2", NOW),
    templates: new Map([["web-h2-1-background", { invalid: "templates nest deeper than 10" }]]),
  };
  const starting = planRollout(context);
  assert.equal(starting.status.abort, false);
  assert.ok(
    !starting.events.some((e) => e.reason === "RolloutAborted"),
    "no abort Event for an update not aborted",
  );
  assert.deepEqual(starting.createRuns, [], "the refused run is not made");
});

test("without a router, the plan that scales the stable to 0 before promotion moves the stable Service to the new pods first", () => {
  // 1 replica, steps setWeight 50 → pause 1s; the pause is over: full weight, and the stable's
  // one pod goes in this plan while stableRS still names h1 (the promotion is the next reconcile).
  const steps = [{ setWeight: 50 }, { pause: { duration: "1s" } }];
  const canary = (extra: Record<string, unknown> = {}) => ({
    replicas: 1,
    strategy: { canary: { canaryService: "web-canary", stableService: "web-stable", steps, ...extra } },
  });
  const paused: RolloutStatus = {
    stableRS: "h1",
    currentPodHash: "h2",
    currentStepIndex: 1,
    controllerPause: true,
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: new Date(NOW - 5000).toISOString() }],
    sluice: { machine: { machineVersion: 1, value: "pausedStep" } },
  };
  const plan = planOf(rollout(paused, canary()), [rs("h1", 1), rs("h2", 1)], "h2", NOW);
  assert.equal(plan.scale.get("web-h1"), 0, "the old stable's last pod goes");
  assert.equal(plan.status.stableRS, "h1", "before the promotion");
  assert.equal(
    plan.services.get("web-stable"),
    "h2",
    "so the stable Service moves first (Services are written before scales)",
  );

  const routed = planOf(
    rollout(paused, canary({ trafficRouting: { nginx: { stableIngress: "web" } } })),
    [rs("h1", 1), rs("h2", 1)],
    "h2",
    NOW,
  );
  assert.notEqual(
    routed.scale.get("web-h1"),
    0,
    "with a router the stable keeps its pods until after the promotion",
  );
  assert.notEqual(routed.services.get("web-stable"), "h2");
});

test("a timed canary pause tells RolloutPaused (CanaryPauseStep), and RolloutResumed when it ends, once each (the peer's Events)", () => {
  const world = [rs("h1", 4), rs("h2", 1)];
  const steps = [{ setWeight: 20 }, { pause: { duration: "5s" } }, { setWeight: 50 }];
  const spec = { strategy: { canary: { canaryService: "web-canary", stableService: "web-stable", steps } } };
  let status: RolloutStatus = { currentPodHash: "h1", stableRS: "h1", currentStepIndex: 3 };
  const told: string[] = [];
  const seenPause: string[] = [];
  for (let look = 0; look < 12; look++) {
    const plan = planOf(rollout(status, spec), world, "h2", NOW + look * 1000);
    told.push(
      ...plan.events.filter((e) => /Paused|Resumed/.test(e.reason)).map((e) => `${e.reason}: ${e.message}`),
    );
    status = plan.status;
    seenPause.push(...(status.pauseConditions ?? []).map((p) => p.reason));
  }
  assert.ok(seenPause.includes("CanaryPauseStep"), "the walk paused at the step");
  assert.ok((status.currentStepIndex ?? 0) >= 2, "and went past it");
  assert.deepEqual(told, [
    "RolloutPaused: Rollout is paused (CanaryPauseStep)",
    "RolloutResumed: Rollout is resumed",
  ]);
});

test("pause transitions: none → some is Paused with the first reason, some → none Resumed unless aborted", () => {
  const paused: RolloutStatus = {
    pauseConditions: [{ reason: "BlueGreenPause", startTime: "2026-11-26T10:00:00Z" }],
  };
  assert.deepEqual(pauseTransition({}, paused), {
    type: "Normal",
    reason: "RolloutPaused",
    message: "Rollout is paused (BlueGreenPause)",
  });
  assert.equal(pauseTransition(undefined, paused)?.reason, "RolloutPaused");
  assert.deepEqual(pauseTransition(paused, {}), {
    type: "Normal",
    reason: "RolloutResumed",
    message: "Rollout is resumed",
  });
  assert.equal(
    pauseTransition(paused, { abort: true }),
    undefined,
    "an abort clears pauses without resuming",
  );
  assert.equal(pauseTransition(paused, paused), undefined);
  assert.equal(pauseTransition({}, {}), undefined);
});
