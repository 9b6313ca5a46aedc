// The traffic-routed canary's pure rules: pod counts per weight (and setCanaryScale), the weight
// the router gets (held at the previous step's until the canary pods are ready), and scale-down
// delays after promotion and abort.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CanaryStep, CanaryStrategy } from "../../../src/api/rollout.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../../src/rollout/bluegreen.ts";
import {
  canaryScaleOverride,
  type RoutedSizingInput,
  routedSizing,
  routedWeight,
  trafficRoutedSplit,
} from "../../../src/rollout/traffic-scale.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { contextFromStatus, stepSpecs } from "../../../src/strategy/canary.state.ts";

const STEPS: CanaryStep[] = [{ setWeight: 5 }, { pause: {} }, { setWeight: 25 }, { pause: {} }];
const contextAt = (stepIndex: number, steps = STEPS) =>
  contextFromStatus({ currentStepIndex: stepIndex }, stepSpecs(steps));

test("canary pods are ceil(replicas × weight / max); the stable stays at full size", () => {
  assert.deepEqual(trafficRoutedSplit(10, 5, 100), { canary: 1, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(10, 25, 100), { canary: 3, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(10, 50, 100), { canary: 5, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(10, 100, 100), { canary: 10, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(10, 0, 100), { canary: 0, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(3, 1, 100), { canary: 1, stable: 3 }, "any weight gets a pod");
  assert.deepEqual(
    trafficRoutedSplit(10, 50, 1000),
    { canary: 1, stable: 10 },
    "weights are in units of max",
  );
  assert.deepEqual(trafficRoutedSplit(10, 5, 100, { replicas: 4 }), { canary: 4, stable: 10 });
  assert.deepEqual(trafficRoutedSplit(10, 5, 100, { weight: 50 }), { canary: 5, stable: 10 });
});

test("setCanaryScale holds from its step on, until matchTrafficWeight or the end of the steps", () => {
  const steps: CanaryStep[] = [
    { setCanaryScale: { replicas: 2 } },
    { setWeight: 10 },
    { setCanaryScale: { matchTrafficWeight: true } },
    { setWeight: 20 },
  ];
  assert.deepEqual(canaryScaleOverride(steps, 0), { replicas: 2 });
  assert.deepEqual(canaryScaleOverride(steps, 1), { replicas: 2 });
  assert.equal(canaryScaleOverride(steps, 2), undefined);
  assert.equal(canaryScaleOverride(steps, 3), undefined);
  assert.equal(canaryScaleOverride(steps.slice(0, 2), 2), undefined, "done with the steps");
});

test("the router's weight rises only once the canary has the pods for it", () => {
  const input = (stepIndex: number, atDesiredCounts: boolean, canaryAvailable = 1) => ({
    state: "stepping" as const,
    context: contextAt(stepIndex),
    maxWeight: 100,
    atDesiredCounts,
    canaryAvailable,
  });
  assert.equal(routedWeight(input(0, false, 0)), 0, "no canary pod yet");
  assert.equal(routedWeight(input(0, true)), 5);
  assert.equal(routedWeight(input(1, true)), 5, "a pause keeps the weight");
  assert.equal(routedWeight(input(2, false, 1)), 5, "25 waits for its 3 pods: the previous step's 5 holds");
  assert.equal(routedWeight(input(2, true, 3)), 25);
  assert.equal(routedWeight({ ...input(4, false, 3), state: "promoting" }), 25, "growing to full size");
  assert.equal(routedWeight({ ...input(4, true, 10), state: "promoting" }), 100);
  assert.equal(routedWeight({ ...input(4, true, 10), state: "promoting", maxWeight: 1000 }), 1000);
  assert.equal(routedWeight({ ...input(2, true, 3), state: "aborted" }), 0);
  assert.equal(
    routedWeight({ ...input(4, true, 10), state: "healthy" }),
    0,
    "promoted: the stable is the new",
  );
});

const rs = (
  name: string,
  hash: string,
  replicas: number,
  annotations: Record<string, string> = {},
): ReplicaSet => ({
  metadata: { name, labels: { "rollouts-pod-template-hash": hash }, annotations },
  spec: { replicas },
  status: { availableReplicas: replicas },
});

const NOW = Date.parse("2026-12-05T00:00:00Z");

function sizing(over: Partial<RoutedSizingInput>) {
  const stable = rs("web-s", "s", 10);
  const canary = rs("web-c", "c", 1);
  return routedSizing({
    state: "stepping",
    context: contextAt(2),
    canary: { scaleDownDelaySeconds: 30, abortScaleDownDelaySeconds: 30 } as CanaryStrategy,
    replicas: 10,
    sorted: { newRS: canary, stableRS: stable, others: [] },
    currentHash: "c",
    now: NOW,
    split: { canary: 3, stable: 10 },
    ...over,
  });
}

test("mid-update the canary goes to the step's count and the stable to full size", () => {
  const out = sizing({});
  assert.deepEqual([...out.scale], [["web-c", 3]]);
  const missing = sizing({ sorted: { newRS: undefined, stableRS: rs("web-s", "s", 10), others: [] } });
  assert.deepEqual(missing.createNew, { hash: "c", replicas: 3 });
});

test("after promotion the old stable gets a deadline and goes only once it has passed", () => {
  const promoted = rs("web-c", "c", 10);
  const oldStable = rs("web-s", "s", 10);
  const first = sizing({
    state: "healthy",
    sorted: { newRS: promoted, stableRS: promoted, others: [oldStable] },
  });
  assert.deepEqual([...first.deadlines], [["web-s", new Date(NOW + 30_000).toISOString()]]);
  assert.equal(first.scale.size, 0);
  assert.deepEqual(first.wakeUps, [30_000]);
  const marked = rs("web-s", "s", 10, {
    [SCALE_DOWN_DEADLINE_ANNOTATION]: new Date(NOW + 30_000).toISOString(),
  });
  const later = sizing({
    state: "healthy",
    now: NOW + 30_000,
    sorted: { newRS: promoted, stableRS: promoted, others: [marked] },
  });
  assert.deepEqual([...later.scale], [["web-s", 0]]);
});

test("mid-update an older canary with no deadline goes at once; one under a deadline waits", () => {
  const superseded = rs("web-old", "o", 3);
  const draining = rs("web-prev", "p", 10, {
    [SCALE_DOWN_DEADLINE_ANNOTATION]: new Date(NOW + 5_000).toISOString(),
  });
  const out = sizing({
    sorted: { newRS: rs("web-c", "c", 3), stableRS: rs("web-s", "s", 10), others: [superseded, draining] },
  });
  assert.deepEqual([...out.scale], [["web-old", 0]]);
  assert.deepEqual(out.wakeUps, [5_000]);
});

test("an aborted canary keeps its pods until abortScaleDownDelaySeconds; 0 keeps them for good", () => {
  const aborted = { ...contextAt(2), abort: true, abortedAt: NOW };
  const canary = rs("web-c", "c", 3);
  const sorted = { newRS: canary, stableRS: rs("web-s", "s", 10), others: [] };
  const waiting = sizing({ state: "aborted", context: aborted, sorted });
  assert.equal(waiting.scale.size, 0);
  assert.deepEqual(waiting.wakeUps, [30_000]);
  const due = sizing({ state: "aborted", context: aborted, sorted, now: NOW + 30_000 });
  assert.deepEqual([...due.scale], [["web-c", 0]]);
  const never = sizing({
    state: "aborted",
    context: aborted,
    sorted,
    now: NOW + 3_600_000,
    canary: { abortScaleDownDelaySeconds: 0 } as CanaryStrategy,
  });
  assert.equal(never.scale.size, 0);
});

test("a user's pause holds every scale", () => {
  assert.equal(sizing({ state: "userPaused" }).scale.size, 0);
});
