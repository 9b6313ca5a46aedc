// The machine's state in a Rollout's status: rebuilt from the peer's fields, round-trips through
// JSON, and an unknown or inconsistent stored value is re-derived instead of thrown on.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RolloutStatus } from "../../../src/api/rollout.ts";
import { CANARY_MACHINE_VERSION } from "../../../src/strategy/canary.machine.ts";
import {
  contextFromStatus,
  deriveState,
  resolveStoredState,
  statusFromContext,
  stepCanary,
  stepSpecs,
} from "../../../src/strategy/canary.state.ts";

const steps = stepSpecs([{ setWeight: 20 }, { pause: { duration: "2s" } }, { setWeight: 60 }, { pause: {} }]);

const status: RolloutStatus = {
  currentPodHash: "v2",
  stableRS: "v1",
  currentStepIndex: 1,
  pauseConditions: [
    { reason: "CanaryPauseStep", startTime: "2026-11-26T08:00:00.000Z" },
    { reason: "InconclusiveExperiment", startTime: "2026-11-26T08:00:01.000Z" },
  ],
  controllerPause: true,
  phase: "Paused",
};

test("step specs from the peer's step fields, durations parsed", () => {
  assert.deepEqual(steps, [
    { kind: "setWeight", weight: 20 },
    { kind: "pause", durationMs: 2000 },
    { kind: "setWeight", weight: 60 },
    { kind: "pause" },
  ]);
});

test("context from status and back keeps every field, including pauses the machine does not own", () => {
  const context = contextFromStatus(status, steps);
  assert.equal(context.stepIndex, 1);
  assert.equal(context.pausedSince, Date.parse("2026-11-26T08:00:00.000Z"));
  assert.equal(context.stableHash, "v1");
  const back = statusFromContext(context, status);
  assert.deepEqual(back.pauseConditions?.map((p) => p.reason).sort(), [
    "CanaryPauseStep",
    "InconclusiveExperiment",
  ]);
  assert.equal(back.currentStepIndex, 1);
  assert.equal(back.phase, "Paused", "fields the machine does not own are kept");
  assert.equal(back.abortedAt, undefined);
});

test("a persisted state survives a JSON round trip and steps like the in-memory one", () => {
  const context = contextFromStatus(status, steps);
  const event = {
    type: "RECONCILE" as const,
    now: Date.parse("2026-11-26T08:00:05Z"),
    templateHash: "v2",
    userPaused: false,
    canaryAtTarget: false,
    newFullyAvailable: false,
  };
  const direct = stepCanary("pausedStep", context, event);
  const stored = JSON.parse(JSON.stringify({ machineVersion: CANARY_MACHINE_VERSION, value: "pausedStep" }));
  const rebuilt = contextFromStatus(JSON.parse(JSON.stringify(status)) as RolloutStatus, steps);
  const viaStatus = stepCanary(resolveStoredState(stored, rebuilt, false), rebuilt, event);
  assert.deepEqual(viaStatus, direct);
  assert.equal(direct.state, "stepping", "the 2s pause expired");
});

test("unknown, old or contradicting stored values are re-derived from the status", () => {
  const context = contextFromStatus(status, steps);
  assert.equal(resolveStoredState(undefined, context, false), "pausedStep");
  assert.equal(resolveStoredState({ machineVersion: 0, value: "stepping" }, context, false), "pausedStep");
  assert.equal(
    resolveStoredState({ machineVersion: CANARY_MACHINE_VERSION, value: "bogus" }, context, false),
    "pausedStep",
  );
  assert.equal(
    resolveStoredState({ machineVersion: CANARY_MACHINE_VERSION, value: { nested: 1 } }, context, false),
    "pausedStep",
  );
  assert.equal(
    resolveStoredState({ machineVersion: CANARY_MACHINE_VERSION, value: "healthy" }, context, false),
    "pausedStep",
    "healthy contradicts an unpromoted template",
  );
  assert.equal(
    resolveStoredState({ machineVersion: CANARY_MACHINE_VERSION, value: "stepping" }, context, false),
    "stepping",
  );
});

test("deriveState covers every situation a status can describe", () => {
  const base = contextFromStatus({}, steps);
  assert.equal(deriveState(base, false), "healthy", "nothing deployed yet");
  assert.equal(deriveState({ ...base, currentHash: "v1", stableHash: "v1" }, false), "healthy");
  assert.equal(deriveState({ ...base, currentHash: "v1" }, false), "promoting", "first deploy");
  const updating = { ...base, currentHash: "v2", stableHash: "v1" };
  assert.equal(deriveState(updating, false), "stepping");
  assert.equal(deriveState({ ...updating, stepIndex: 1 }, false), "pausedStep");
  assert.equal(deriveState({ ...updating, stepIndex: 4 }, false), "promoting");
  assert.equal(deriveState({ ...updating, promoteFull: true }, false), "promoting");
  assert.equal(deriveState({ ...updating, abort: true }, false), "aborted");
  assert.equal(deriveState(updating, true), "userPaused");
});
