// promote and promote --full decide the peer's patches from the Rollout as read, and refuse what
// makes no sense (an aborted rollout, nothing to promote).
import assert from "node:assert/strict";
import { test } from "node:test";
import { decidePromote, decidePromoteFull } from "../../../src/cli/actions/promote.ts";
import { blueGreen, pausedAtStep, rollout, updating } from "./actions-fixtures.ts";

const promoted = "rollout 'web' promoted";

test("promote at a canary pause step clears the pause conditions only; the controller moves the step", () => {
  assert.deepEqual(decidePromote(pausedAtStep(1)), {
    kind: "patch",
    message: promoted,
    status: { pauseConditions: null },
  });
});

test("promote resumes a manual pause: spec.paused false, and the step's pause cleared with it as the peer", () => {
  assert.deepEqual(decidePromote(pausedAtStep(1, {}, { paused: true })), {
    kind: "patch",
    message: promoted,
    spec: { paused: false },
    status: { pauseConditions: null },
  });
  // Paused by hand in the middle of a step: resumed only; the peer would also skip the step.
  assert.deepEqual(decidePromote(updating({ currentStepIndex: 2 }, { paused: true })), {
    kind: "patch",
    message: promoted,
    spec: { paused: false },
  });
  // A Healthy rollout paused by hand (so its next update waits) is resumed too.
  assert.deepEqual(decidePromote(rollout({}, { paused: true })), {
    kind: "patch",
    message: promoted,
    spec: { paused: false },
  });
});

test("promote of a canary running a step skips to the next one, as the peer", () => {
  assert.deepEqual(decidePromote(updating({ currentStepIndex: 0 })), {
    kind: "patch",
    message: promoted,
    status: { pauseConditions: null, currentStepIndex: 1 },
  });
  // No currentStepIndex yet counts as step 0.
  const fresh = updating();
  delete fresh.status?.currentStepIndex;
  assert.deepEqual(decidePromote(fresh), {
    kind: "patch",
    message: promoted,
    status: { pauseConditions: null, currentStepIndex: 1 },
  });
});

test("promote of a canary paused on an Inconclusive step analysis moves past that step", () => {
  const inconclusive = pausedAtStep(2, {
    controllerPause: true,
    pauseConditions: [{ reason: "InconclusiveAnalysisRun", startTime: "2026-03-01T12:00:00Z" }],
    canary: { currentStepAnalysisRunStatus: { name: "web-run", status: "Inconclusive" } },
  });
  assert.deepEqual(decidePromote(inconclusive), {
    kind: "patch",
    message: promoted,
    status: { pauseConditions: null, controllerPause: false, currentStepIndex: 3 },
  });
  // Without the controller's pause (a step pause after the analysis), only the pause is cleared.
  assert.deepEqual(
    decidePromote({ ...inconclusive, status: { ...inconclusive.status, controllerPause: false } }),
    {
      kind: "patch",
      message: promoted,
      status: { pauseConditions: null },
    },
  );
});

test("promote of a blue/green paused before the switch clears the pause conditions", () => {
  const paused = updating(
    {
      pauseConditions: [{ reason: "BlueGreenPause", startTime: "2026-03-01T12:00:00Z" }],
      controllerPause: true,
    },
    { strategy: blueGreen },
  );
  delete paused.status?.currentStepIndex;
  assert.deepEqual(decidePromote(paused), {
    kind: "patch",
    message: promoted,
    status: { pauseConditions: null },
  });
});

test("promote refuses an aborted rollout (retry starts it again), even when paused by hand", () => {
  const retry = "rollout 'web' is aborted: use `kubectl sluice retry rollout web`";
  assert.deepEqual(decidePromote(pausedAtStep(1, { abort: true })), { kind: "refuse", message: retry });
  assert.deepEqual(decidePromote(updating({ abort: true }, { paused: true })), {
    kind: "refuse",
    message: retry,
  });
});

test("promote refuses when there is nothing to promote, saying why", () => {
  const none = { kind: "refuse", message: "rollout 'web' has no update in progress: nothing to promote" };
  assert.deepEqual(decidePromote(rollout()), none, "Healthy canary at its last step");
  assert.deepEqual(decidePromote(rollout({ currentStepIndex: 1 })), none, "not updating, whatever the index");
  assert.deepEqual(decidePromote(rollout({}, { strategy: blueGreen })), none, "Healthy blue/green");
  assert.deepEqual(decidePromote(rollout({ stableRS: undefined as never })), none, "no stable version yet");
  const notPaused =
    /^rollout 'web' is not paused: nothing to promote \(`kubectl sluice promote web --full` skips/;
  for (const [what, r] of [
    ["blue/green bringing up its preview", updating({}, { strategy: blueGreen })],
    ["canary without steps", updating({}, { strategy: { canary: {} } })],
    ["canary past its last step", updating({ currentStepIndex: 4 })],
  ] as const) {
    const decision = decidePromote(r);
    assert.equal(decision.kind, "refuse", what);
    assert.match(decision.message, notPaused, what);
  }
});

test("promote --full sets promoteFull, unpauses a manual pause, and is allowed after an abort", () => {
  const full = "rollout 'web' fully promoted";
  assert.deepEqual(decidePromoteFull(pausedAtStep(1)), {
    kind: "patch",
    message: full,
    status: { promoteFull: true },
  });
  assert.deepEqual(decidePromoteFull(updating({}, { paused: true })), {
    kind: "patch",
    message: full,
    spec: { paused: false },
    status: { promoteFull: true },
  });
  // The controller clears the abort and promotes the new version (the peer's behaviour).
  assert.deepEqual(decidePromoteFull(updating({ abort: true })), {
    kind: "patch",
    message: full,
    status: { promoteFull: true },
  });
  assert.deepEqual(decidePromoteFull(rollout({}, { paused: true })), {
    kind: "patch",
    message: full,
    spec: { paused: false },
  });
});

test("promote --full: already asked is a no-op; nothing in progress is refused", () => {
  assert.deepEqual(decidePromoteFull(updating({ promoteFull: true })), {
    kind: "noop",
    message: "rollout 'web' is already being fully promoted",
  });
  assert.deepEqual(decidePromoteFull(rollout()), {
    kind: "refuse",
    message: "rollout 'web' has no update in progress: nothing to promote",
  });
});
