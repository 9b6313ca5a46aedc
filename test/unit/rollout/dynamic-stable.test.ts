// dynamicStableScale's rules (the peer's): the stable keeps the pods for the larger of the stable
// weight wanted and the one still applied; an abort steps the weight down through the setWeights
// as stable pods come back, never lowering it faster than the stable can take.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CanaryStep } from "../../../src/api/rollout.ts";
import { abortRoutedWeight, abortStepDownWeight, dynamicSplit } from "../../../src/rollout/dynamic-stable.ts";

const base = { replicas: 10, maxWeight: 100, aborted: false };

test("the stable shrinks only after the traffic left it", () => {
  assert.deepEqual(
    dynamicSplit({ ...base, desiredWeight: 30, canary: 3, applied: { canary: 0, stable: 100 } }),
    {
      canary: 3,
      stable: 10,
    },
  );
  assert.deepEqual(
    dynamicSplit({ ...base, desiredWeight: 30, canary: 3, applied: { canary: 30, stable: 70 } }),
    {
      canary: 3,
      stable: 7,
    },
  );
  assert.deepEqual(dynamicSplit({ ...base, desiredWeight: 30, canary: 3, applied: undefined }), {
    canary: 3,
    stable: 7,
  });
  assert.deepEqual(
    dynamicSplit({ ...base, desiredWeight: 100, canary: 10, applied: { canary: 100, stable: 0 } }),
    {
      canary: 10,
      stable: 0,
    },
  );
});

test("aborting, the canary keeps the pods for the weight it still has", () => {
  assert.deepEqual(
    dynamicSplit({
      ...base,
      aborted: true,
      desiredWeight: 30,
      canary: 3,
      applied: { canary: 60, stable: 40 },
    }),
    { canary: 6, stable: 7 },
  );
});

const steps: CanaryStep[] = [
  { setWeight: 5 },
  { pause: {} },
  { setWeight: 25 },
  { pause: {} },
  { setWeight: 50 },
];
const stepDown = (stableAvailable: number, canaryAvailable: number, explicitDelay = false) =>
  abortStepDownWeight({
    steps,
    replicas: 10,
    maxWeight: 100,
    stableAvailable,
    canaryAvailable,
    explicitDelay,
  });

test("an abort steps down through the setWeights as the stable comes back", () => {
  assert.equal(stepDown(5, 5), 25, "half the pods still needed: the largest step under 5 pods");
  assert.equal(stepDown(8, 5), 25, "the canary's own pods hold the weight until they go");
  assert.equal(stepDown(8, 1), 5);
  assert.equal(stepDown(8, 5, true), 5, "with an explicit delay the canary's size does not hold it");
  assert.equal(stepDown(10, 0), 0);
});

test("the weight sent never rises and falls only as far as the stable can take", () => {
  const applied = { canary: 50, stable: 50 };
  const weight = (desiredWeight: number, stableAvailable: number) =>
    abortRoutedWeight({ desiredWeight, replicas: 10, maxWeight: 100, stableAvailable, applied });
  assert.equal(weight(25, 5), 50, "the stable (50 %) cannot take 75 % yet: hold");
  assert.equal(weight(25, 8), 25);
  assert.equal(weight(0, 10), 0);
  assert.equal(weight(0, 7), 30, "at most what the stable cannot serve");
  assert.equal(
    abortRoutedWeight({
      desiredWeight: 0,
      replicas: 10,
      maxWeight: 100,
      stableAvailable: 4,
      applied: undefined,
    }),
    60,
  );
});
