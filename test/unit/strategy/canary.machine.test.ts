// The canary machine as a pure function: hand-written tables for the key paths, then the whole
// reachable graph over a finite event set with invariants checked on every edge.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getAdjacencyMap, getShortestPaths } from "xstate/graph";
import {
  backgroundActive,
  type CanaryContext,
  type CanaryEvent,
  type CanaryStateValue,
  type CanaryStepSpec,
  canaryMachine,
} from "../../../src/strategy/canary.machine.ts";
import { stepCanary } from "../../../src/strategy/canary.state.ts";
import { canaryWeight, currentSetWeight, pauseDeadline } from "../../../src/strategy/canary.weights.ts";

const STEPS: CanaryStepSpec[] = [
  { kind: "setWeight", weight: 20 },
  { kind: "pause", durationMs: 2000 },
  { kind: "setWeight", weight: 60 },
  { kind: "pause" },
];

const fresh = (over: Partial<CanaryContext> = {}): CanaryContext => ({
  steps: STEPS,
  stepIndex: 0,
  analysisRound: 0,
  runRestarts: 0,
  backgroundRestarts: 0,
  controllerPause: false,
  abort: false,
  promoteFull: false,
  ...over,
});

const reconcile = (over: Partial<Extract<CanaryEvent, { type: "RECONCILE" }>> = {}): CanaryEvent => ({
  type: "RECONCILE",
  now: 0,
  templateHash: "v2",
  userPaused: false,
  canaryAtTarget: false,
  newFullyAvailable: false,
  ...over,
});

/** Runs events from a state, returning every intermediate result. */
function run(state: CanaryStateValue, context: CanaryContext, events: CanaryEvent[]) {
  const trail: ReturnType<typeof stepCanary>[] = [];
  let current = { state, context };
  for (const event of events) {
    const next = stepCanary(current.state, current.context, event);
    trail.push(next);
    current = next;
  }
  return trail;
}

test("first deploy skips the steps and is stable at once, ready pods or not", () => {
  const [a, b] = run("healthy", fresh(), [
    reconcile({ templateHash: "v1" }),
    reconcile({ templateHash: "v1", newFullyAvailable: true }),
  ]);
  assert.equal(a?.state, "healthy");
  assert.deepEqual(a?.notices, ["RolloutUpdated", "SkipSteps"]);
  assert.equal(a?.context.stableHash, "v1");
  assert.equal(a?.context.stepIndex, STEPS.length);
  assert.equal(canaryWeight("healthy", a?.context ?? fresh()), 100);
  assert.equal(b?.state, "healthy");
  assert.deepEqual(b?.notices, []);
});

test("setWeight 20 → pause 2s → setWeight 60 → pause → promote → healthy", () => {
  const stable = fresh({ stableHash: "v1", currentHash: "v1", stepIndex: STEPS.length });
  const t = run("healthy", stable, [
    reconcile(), // 0: new template → step 0 (setWeight 20)
    reconcile(), // 1: canary not at target yet → stay
    reconcile({ canaryAtTarget: true }), // 2: step done → pause step
    reconcile({ now: 1000 }), // 3: pause condition added at t=1000
    reconcile({ now: 2999 }), // 4: not expired
    reconcile({ now: 3000 }), // 5: expired → setWeight 60
    reconcile({ now: 3100, canaryAtTarget: true }), // 6: → indefinite pause
    reconcile({ now: 4000 }), // 7: pause added
    reconcile({ now: 9000 }), // 8: still paused
    { type: "PROMOTE" }, // 9: user clears the pause condition
    reconcile({ now: 9100 }), // 10: resume → steps done → promoting
    reconcile({ now: 9200, newFullyAvailable: true }), // 11: promoted
  ]);
  const states = t.map((s) => s.state);
  assert.deepEqual(states, [
    "stepping",
    "stepping",
    "pausedStep",
    "pausedStep",
    "pausedStep",
    "stepping",
    "pausedStep",
    "pausedStep",
    "pausedStep",
    "pausedStep",
    "promoting",
    "healthy",
  ]);
  const weights = t.map((s) => canaryWeight(s.state, s.context));
  assert.deepEqual(weights, [20, 20, 20, 20, 20, 60, 60, 60, 60, 60, 100, 100]);
  assert.equal(t[3]?.context.pausedSince, 1000);
  assert.equal(pauseDeadline(t[3]?.state ?? "healthy", t[3]?.context ?? fresh()), 3000);
  assert.equal(
    pauseDeadline(t[7]?.state ?? "healthy", t[7]?.context ?? fresh()),
    undefined,
    "indefinite pause has no deadline",
  );
  assert.deepEqual(t[5]?.notices, ["RolloutStepCompleted"]);
  assert.deepEqual(t[10]?.notices, ["RolloutResumed"]);
  assert.equal(t[11]?.context.stableHash, "v2");
  assert.deepEqual(t[11]?.notices, ["RolloutCompleted"]);
});

test("abort (the user's patch, then a reconcile) goes to weight 0; retry starts the steps again", () => {
  const mid = fresh({ stableHash: "v1", currentHash: "v2", stepIndex: 2 });
  const [patched, aborted, again, still, retryPatched, retried] = run("stepping", mid, [
    { type: "ABORT" },
    reconcile({ now: 500 }),
    reconcile({ now: 900 }),
    reconcile({ now: 1000, canaryAtTarget: true }),
    { type: "RETRY" },
    reconcile({ now: 1100 }),
  ]);
  assert.equal(patched?.state, "stepping", "a patch alone changes nothing until the controller acts");
  assert.equal(patched?.context.abort, true);
  assert.equal(aborted?.state, "aborted");
  assert.deepEqual(aborted?.notices, ["RolloutAborted"]);
  assert.equal(canaryWeight("aborted", aborted?.context ?? fresh()), 0);
  assert.equal(aborted?.context.abortedAt, 500);
  assert.equal(again?.context.abortedAt, 500, "the abort keeps its first time");
  assert.equal(still?.state, "aborted", "nothing advances while aborted");
  assert.equal(retryPatched?.state, "aborted");
  assert.equal(retried?.state, "stepping");
  assert.equal(retried?.context.stepIndex, 0);
  assert.equal(retried?.context.abort, false);
  assert.deepEqual(retried?.notices, ["RolloutRetry"]);
});

test("a new template mid-rollout starts over; going back to the stable template skips the steps", () => {
  const mid = fresh({
    stableHash: "v1",
    currentHash: "v2",
    stepIndex: 3,
    pausedSince: 10,
    controllerPause: true,
  });
  const [restarted] = run("pausedStep", mid, [reconcile({ templateHash: "v3" })]);
  assert.equal(restarted?.state, "stepping");
  assert.equal(restarted?.context.stepIndex, 0);
  assert.equal(restarted?.context.currentHash, "v3");
  assert.equal(restarted?.context.pausedSince, undefined);
  const [back, done] = run("pausedStep", mid, [
    reconcile({ templateHash: "v1" }),
    reconcile({ templateHash: "v1", newFullyAvailable: true }),
  ]);
  assert.equal(back?.state, "promoting");
  assert.deepEqual(back?.notices, ["RolloutUpdated", "SkipSteps"]);
  assert.equal(done?.state, "healthy");
});

test("spec.paused halts and resumes where it was; promote full skips the rest", () => {
  const mid = fresh({ stableHash: "v1", currentHash: "v2", stepIndex: 2 });
  const [paused, held, resumed] = run("stepping", mid, [
    reconcile({ userPaused: true }),
    reconcile({ userPaused: true, canaryAtTarget: true }),
    reconcile({ canaryAtTarget: false }),
  ]);
  assert.equal(paused?.state, "userPaused");
  assert.equal(held?.context.stepIndex, 2, "no progress while paused");
  assert.equal(resumed?.state, "stepping");
  assert.equal(canaryWeight("userPaused", paused?.context ?? fresh()), 60);
  const [, full] = run(
    "pausedStep",
    fresh({ stableHash: "v1", currentHash: "v2", stepIndex: 1, pausedSince: 0, controllerPause: true }),
    [{ type: "PROMOTE_FULL" }, reconcile()],
  );
  assert.equal(full?.state, "promoting");
  assert.equal(full?.context.promoteFull, true);
  assert.equal(full?.context.pausedSince, undefined, "promote full clears the step's pause");
});

test("currentSetWeight walks back to the last setWeight", () => {
  assert.equal(currentSetWeight(fresh({ stepIndex: 0 })), 20);
  assert.equal(currentSetWeight(fresh({ stepIndex: 1 })), 20);
  assert.equal(currentSetWeight(fresh({ stepIndex: 3 })), 60);
  assert.equal(currentSetWeight(fresh({ stepIndex: 4 })), 100);
  assert.equal(currentSetWeight(fresh({ steps: [{ kind: "pause" }], stepIndex: 0 })), 0);
});

// ---- the whole graph ----

const EVENTS: CanaryEvent[] = [];
for (const templateHash of ["v1", "v2"]) {
  for (const now of [0, 5000]) {
    for (const userPaused of [false, true]) {
      for (const canaryAtTarget of [false, true]) {
        for (const newFullyAvailable of [false, true]) {
          for (const stepAnalysis of [undefined, "Successful", "Failed", "Inconclusive"] as const) {
            EVENTS.push({
              type: "RECONCILE",
              now,
              templateHash,
              userPaused,
              canaryAtTarget,
              newFullyAvailable,
              stepAnalysis,
            });
          }
          // Background verdicts, with no step verdict (keeps the event set small).
          for (const backgroundAnalysis of ["Failed", "Inconclusive"] as const) {
            EVENTS.push({
              type: "RECONCILE",
              now,
              templateHash,
              userPaused,
              canaryAtTarget,
              newFullyAvailable,
              backgroundAnalysis,
            });
          }
        }
      }
    }
  }
}
EVENTS.push({ type: "PROMOTE" }, { type: "PROMOTE_FULL" }, { type: "ABORT" }, { type: "RETRY" });

/** The graph walks steps with an analysis step in the middle. */
const GRAPH_STEPS: CanaryStepSpec[] = [
  { kind: "setWeight", weight: 20 },
  { kind: "analysis" },
  { kind: "setWeight", weight: 60 },
  { kind: "pause", durationMs: 2000 },
];

/** Background analysis from the third step. */
const GRAPH_INPUT = fresh({ steps: GRAPH_STEPS, backgroundFrom: 2 });

// The run-name counters only grow: states are compared without them, so the graph stays finite.
const serialize = (s: { value: unknown; context: CanaryContext }) =>
  JSON.stringify([
    s.value,
    {
      ...s.context,
      steps: undefined,
      analysisRound: undefined,
      backgroundRestarts: undefined,
      runRestarts: undefined,
    },
  ]);

test("every edge of the reachable graph keeps the invariants", () => {
  const map = getAdjacencyMap(canaryMachine, {
    input: GRAPH_INPUT,
    events: EVENTS,
    serializeState: (s) => serialize(s as never),
  });
  const seenStates = new Set<string>();
  const seenEdges = new Set<string>();
  let edges = 0;
  for (const { state: from, transitions } of Object.values(map)) {
    const fromValue = from.value as CanaryStateValue;
    const fromCtx = from.context as CanaryContext;
    seenStates.add(fromValue);
    type Edge = { event: CanaryEvent; state: { value: unknown; context: CanaryContext } };
    for (const { event, state: to } of Object.values(transitions) as Edge[]) {
      edges++;
      const toValue = to.value as CanaryStateValue;
      const ctx = to.context as CanaryContext;
      seenEdges.add(`${fromValue}->${toValue}`);
      const where = `${fromValue} --${JSON.stringify(event)}--> ${toValue} ${serialize(to as never)}`;
      assert.notEqual(toValue as string, "routing", `transient state left visible: ${where}`);
      assert.ok(
        ctx.stepIndex >= 0 && ctx.stepIndex <= GRAPH_STEPS.length,
        `step index out of range: ${where}`,
      );
      if (fromCtx.stepIndex === 1 && ctx.stepIndex === 2 && fromValue === "stepping") {
        assert.ok(
          event.type === "RECONCILE" && event.stepAnalysis === "Successful",
          `an analysis step advanced without a Successful run: ${where}`,
        );
      }
      if (
        event.type === "RECONCILE" &&
        fromValue === "stepping" &&
        fromCtx.stepIndex === 1 &&
        !fromCtx.abort &&
        event.templateHash === fromCtx.currentHash &&
        !event.userPaused &&
        !fromCtx.promoteFull &&
        event.stepAnalysis === "Failed"
      ) {
        assert.equal(toValue, "aborted", `a failed analysis must abort: ${where}`);
      }
      const sameUpdate =
        event.type === "RECONCILE" && event.templateHash === fromCtx.currentHash && !fromCtx.abort;
      assert.ok(ctx.analysisRound >= fromCtx.analysisRound, `analysis round went back: ${where}`);
      if (event.type === "RECONCILE" && event.templateHash !== fromCtx.currentHash) {
        assert.ok(ctx.analysisRound > fromCtx.analysisRound, `a new template reuses runs: ${where}`);
      }
      if (fromValue === "aborted" && toValue !== "aborted") {
        assert.ok(ctx.analysisRound > fromCtx.analysisRound, `a retry reuses the failed runs: ${where}`);
      }
      if (ctx.analysisRound === fromCtx.analysisRound) {
        assert.ok(ctx.backgroundRestarts >= fromCtx.backgroundRestarts, `background run reused: ${where}`);
      }
      // Resuming past an undecided background verdict judges with a fresh background run.
      if (
        sameUpdate &&
        fromValue === "pausedStep" &&
        backgroundActive(fromCtx) &&
        backgroundActive(ctx) &&
        event.backgroundAnalysis === "Inconclusive" &&
        !["pausedStep", "aborted", "userPaused", "healthy"].includes(toValue)
      ) {
        assert.ok(
          ctx.backgroundRestarts > fromCtx.backgroundRestarts || ctx.analysisRound > fromCtx.analysisRound,
          `resumed onto the undecided background run: ${where}`,
        );
      }
      if (
        sameUpdate &&
        (fromValue === "stepping" || fromValue === "pausedStep" || fromValue === "promoting") &&
        backgroundActive(fromCtx) &&
        !event.userPaused &&
        !fromCtx.promoteFull &&
        event.backgroundAnalysis === "Failed"
      ) {
        assert.equal(toValue, "aborted", `a failed background analysis must abort: ${where}`);
      }
      if (
        sameUpdate &&
        fromValue === "stepping" &&
        backgroundActive(fromCtx) &&
        event.backgroundAnalysis === "Inconclusive" &&
        toValue !== "aborted" &&
        toValue !== "promoting"
      ) {
        assert.equal(ctx.stepIndex, fromCtx.stepIndex, `stepped on past Inconclusive: ${where}`);
      }
      if (
        sameUpdate &&
        fromValue === "pausedStep" &&
        fromCtx.pauseReason === "InconclusiveAnalysisRun" &&
        fromCtx.pausedSince !== undefined
      ) {
        assert.ok(ctx.stepIndex <= fromCtx.stepIndex, `an Inconclusive pause ended by itself: ${where}`);
      }
      const weight = canaryWeight(toValue, ctx);
      if (["stepping", "pausedStep", "userPaused"].includes(toValue)) {
        assert.ok(weight <= currentSetWeight(ctx), `weight above the current setWeight: ${where}`);
      }
      if (toValue === "aborted") {
        assert.ok(weight === 0 && ctx.abortedAt !== undefined, `abort must end at weight 0: ${where}`);
        assert.ok(ctx.stableHash !== undefined, `aborted with no stable to return to: ${where}`);
      }
      if (fromValue === "healthy" && toValue !== "healthy") {
        assert.ok(
          event.type === "RECONCILE" && event.templateHash !== fromCtx.currentHash,
          `Healthy left without a new pod-template hash: ${where}`,
        );
      }
      if (ctx.stableHash !== fromCtx.stableHash) {
        assert.ok(
          toValue === "healthy" && ctx.stableHash === ctx.currentHash,
          `stable changed outside promotion: ${where}`,
        );
      }
      if (toValue === "healthy" && fromValue !== "healthy") {
        assert.equal(ctx.stableHash, ctx.currentHash, `healthy means promoted: ${where}`);
      }
    }
  }
  assert.deepEqual([...seenStates].sort(), [
    "aborted",
    "healthy",
    "pausedStep",
    "promoting",
    "stepping",
    "userPaused",
  ]);
  for (const edge of [
    "healthy->healthy",
    "healthy->stepping",
    "stepping->pausedStep",
    "stepping->aborted",
    "stepping->userPaused",
    "stepping->promoting",
    "pausedStep->stepping",
    "pausedStep->promoting",
    "pausedStep->aborted",
    "userPaused->stepping",
    "userPaused->aborted",
    "promoting->healthy",
    "promoting->aborted",
    "promoting->pausedStep",
    "aborted->stepping",
  ]) {
    assert.ok(seenEdges.has(edge), `edge never taken: ${edge}`);
  }
  assert.ok(edges > 1000, `explored ${edges} edges`);
});

test("shortest paths reach every state from a fresh Rollout", () => {
  const paths = getShortestPaths(canaryMachine, {
    input: GRAPH_INPUT,
    events: EVENTS,
    serializeState: (s) => serialize(s as never),
  });
  const reached = new Set(paths.map((p) => p.state.value as string));
  for (const state of ["healthy", "stepping", "pausedStep", "userPaused", "promoting", "aborted"]) {
    assert.ok(reached.has(state), `${state} unreachable`);
  }
});
