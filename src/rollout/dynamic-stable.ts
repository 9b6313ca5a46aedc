// dynamicStableScale, as the peer runs it (its CalculateReplicaCountsForTrafficRoutedCanary,
// GetDesiredCanaryWeight and calculateDesiredWeightOnAbortOrStableRollback): the stable ReplicaSet
// shrinks as the canary takes traffic, so an update never runs twice the pods. The stable keeps the
// pods for the larger of the stable weight wanted and the stable weight still applied (it shrinks
// one look after the traffic left it). On abort the stable grows back first and the weight steps
// down through the setWeight steps in reverse as stable pods become available; the canary keeps
// the pods for the weight it still has. Pure.
import type { CanaryStep, Rollout } from "../api/rollout.ts";

const toReplicas = (replicas: number, weight: number, maxWeight: number) =>
  Math.ceil((replicas * weight) / maxWeight);

/** The weights last sent to the routers (status.canary.weights), if any. */
export function appliedWeights(rollout: Rollout): { canary: number; stable: number } | undefined {
  const weights = rollout.status?.canary?.weights;
  if (!weights) return undefined;
  return { canary: weights.canary?.weight ?? 0, stable: weights.stable?.weight ?? 0 };
}

export interface AbortStepDown {
  steps: CanaryStep[];
  replicas: number;
  maxWeight: number;
  stableAvailable: number;
  canaryAvailable: number;
  /** abortScaleDownDelaySeconds is set: the canary's size does not hold the weight up. */
  explicitDelay: boolean;
}

/**
 * The canary weight an aborted update steps down to: the largest setWeight whose pods are fewer
 * than the canary still needs (what the stable cannot serve yet), 0 once the stable can serve all.
 */
export function abortStepDownWeight(input: AbortStepDown): number {
  const { replicas, maxWeight } = input;
  const stillNeeded = replicas - input.stableAvailable;
  // Without an explicit delay the canary's own pods hold the weight until they are gone.
  const canaryReplicas = input.explicitDelay ? stillNeeded : Math.max(stillNeeded, input.canaryAvailable);
  for (const step of [...input.steps].reverse()) {
    if (step.setWeight !== undefined && toReplicas(replicas, step.setWeight, maxWeight) < canaryReplicas)
      return step.setWeight;
  }
  return 0;
}

/** Pod counts with dynamicStableScale, from the wanted weight and the weights still applied. */
export function dynamicSplit(input: {
  replicas: number;
  maxWeight: number;
  desiredWeight: number;
  canary: number;
  applied: { canary: number; stable: number } | undefined;
  aborted: boolean;
}): { canary: number; stable: number } {
  const { replicas, maxWeight, applied } = input;
  let stable = toReplicas(replicas, maxWeight - input.desiredWeight, maxWeight);
  let canary = input.canary;
  if (applied) {
    stable = Math.max(stable, toReplicas(replicas, applied.stable, maxWeight));
    // Aborting: the canary keeps the pods for the traffic it still has.
    if (input.aborted) canary = Math.max(canary, toReplicas(replicas, applied.canary, maxWeight));
  }
  return { canary, stable };
}

/**
 * The weight sent on abort: never more than now, lowered only as far as the stable's available pods
 * can take (a stable still scaling up keeps the canary's weight as it is).
 */
export function abortRoutedWeight(input: {
  desiredWeight: number;
  replicas: number;
  maxWeight: number;
  stableAvailable: number;
  applied: { canary: number; stable: number } | undefined;
}): number {
  const { desiredWeight, replicas, maxWeight } = input;
  if (replicas === 0) return 0;
  const stableShare = Math.floor((maxWeight * input.stableAvailable) / replicas);
  const expected = Math.max(0, maxWeight - stableShare);
  if (!input.applied) return Math.max(expected, desiredWeight);
  const current = input.applied.canary;
  if (desiredWeight <= 0) return Math.min(expected, current);
  if (stableShare < maxWeight - desiredWeight) return current;
  return Math.min(desiredWeight, current);
}
