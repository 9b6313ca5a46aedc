// The traffic side of a canary decision: the pod counts a state asks for (by replica ratio, or
// with a router by its weight, dynamicStableScale included), whether a step's counts are reached,
// the weight the routers get and what they must write for it. Pure.
import type { Rollout } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import type { CanaryContext, CanaryStateValue } from "../strategy/canary.machine.ts";
import type { CanaryTransition } from "../strategy/canary.state.ts";
import { canaryWeight } from "../strategy/canary.weights.ts";
import { activeManagedRoutes } from "../trafficrouting/managed-routes.ts";
import { routersFor } from "../trafficrouting/registry.ts";
import type { RoutingWrite } from "../trafficrouting/router.ts";
import type { RolloutContext } from "./context.ts";
import { abortRoutedWeight, abortStepDownWeight, appliedWeights, dynamicSplit } from "./dynamic-stable.ts";
import { nearestSplit, resolveIntOrPercent } from "./replicas.ts";
import { canaryScaleOverride, maxWeightOf, routedWeight, trafficRoutedSplit } from "./traffic-scale.ts";
import { availableOf, type ReplicaSet, type SortedReplicaSets, specReplicas } from "./world.ts";

/** What one look decided, as far as traffic is concerned. */
export interface Look {
  next: CanaryTransition;
  sorted: SortedReplicaSets;
  currentHash: string;
  stableHash: string;
}

/**
 * With a router, promotion waits until the router has sent the canary the full weight (recorded
 * by the previous look), as the peer does: traffic moves to the new pods before the stable
 * Service does.
 */
export function fullWeightApplied(rollout: Rollout): boolean {
  const canary = rollout.spec?.strategy?.canary ?? {};
  if (!canary.trafficRouting) return true;
  return (rollout.status?.canary?.weights?.canary?.weight ?? 0) >= maxWeightOf(canary);
}

/**
 * The canary and stable pod counts `state` asks for: by replica ratio without a router (weights
 * approximated within maxSurge), or with one the pods the router's weight needs.
 */
export function splitFor(
  rollout: Rollout,
  state: CanaryStateValue,
  context: CanaryContext,
  sorted: SortedReplicaSets,
) {
  const canary = rollout.spec?.strategy?.canary ?? {};
  const replicas = rollout.spec?.replicas ?? RolloutDefaults.replicas;
  if (!canary.trafficRouting) {
    const weight = canaryWeight(state, context);
    const surge = resolveIntOrPercent(canary.maxSurge ?? RolloutDefaults.maxSurge, replicas, true);
    return nearestSplit(replicas, weight, surge);
  }
  const maxWeight = maxWeightOf(canary);
  const weight = routedStepWeight(rollout, state, context, sorted);
  const split = trafficRoutedSplit(
    replicas,
    weight,
    maxWeight,
    canaryScaleOverride(canary.steps ?? [], context.stepIndex),
  );
  if (!canary.dynamicStableScale) return split;
  const applied = appliedWeights(rollout);
  const aborted = state === "aborted";
  return dynamicSplit({ replicas, maxWeight, desiredWeight: weight, canary: split.canary, applied, aborted });
}

/**
 * The weight the pods are sized for: the step's (units of maxTrafficWeight); all once the steps are
 * done; on abort 0, or with dynamicStableScale the step it has come back down to.
 */
function routedStepWeight(
  rollout: Rollout,
  state: CanaryStateValue,
  context: CanaryContext,
  sorted: SortedReplicaSets,
) {
  const canary = rollout.spec?.strategy?.canary ?? {};
  const maxWeight = maxWeightOf(canary);
  if (state === "promoting" || state === "healthy") return maxWeight;
  if (state !== "aborted" || !canary.dynamicStableScale || !sorted.newRS || !sorted.stableRS)
    return canaryWeight(state, context);
  return abortStepDownWeight({
    steps: canary.steps ?? [],
    replicas: rollout.spec?.replicas ?? RolloutDefaults.replicas,
    maxWeight,
    stableAvailable: availableOf(sorted.stableRS),
    canaryAvailable: availableOf(sorted.newRS),
    explicitDelay: canary.abortScaleDownDelaySeconds !== undefined,
  });
}

/**
 * A step's weight is reached (the peer's AtDesiredReplicaCountsForCanary): canary and stable run
 * exactly their share with every pod available, and no older ReplicaSet has an available pod.
 */
export function atDesiredCounts(
  sorted: SortedReplicaSets,
  split: { canary: number; stable: number },
): boolean {
  const { newRS, stableRS, others } = sorted;
  const exactly = (rs: ReplicaSet | undefined, want: number) =>
    rs !== undefined && specReplicas(rs) === want && availableOf(rs) >= want;
  const stableSeparate = stableRS !== undefined && stableRS !== newRS;
  return (
    exactly(newRS, split.canary) &&
    (!stableSeparate || exactly(stableRS, split.stable)) &&
    others.every((rs) => (rs.status?.availableReplicas ?? 0) === 0)
  );
}

/** The weight for the routers: stepping down as the stable returns on a dynamicStableScale abort. */
function routerWeight(ctx: RolloutContext, { next, sorted }: Look): number {
  const { rollout } = ctx;
  const canary = rollout.spec?.strategy?.canary ?? {};
  const maxWeight = maxWeightOf(canary);
  if (next.state === "aborted" && canary.dynamicStableScale)
    return abortRoutedWeight({
      desiredWeight: routedStepWeight(rollout, next.state, next.context, sorted),
      replicas: rollout.spec?.replicas ?? RolloutDefaults.replicas,
      maxWeight,
      stableAvailable: availableOf(sorted.stableRS),
      applied: appliedWeights(rollout),
    });
  return routedWeight({
    state: next.state,
    context: next.context,
    maxWeight,
    atDesiredCounts: atDesiredCounts(sorted, splitFor(rollout, next.state, next.context, sorted)),
    canaryAvailable: sorted.newRS === sorted.stableRS ? 0 : availableOf(sorted.newRS),
  });
}

/**
 * With a router: the weight it sends to the canary (raised only once the canary pods for it are
 * available) and the objects to write for it. Without: the step's weight, by replica ratio.
 */
export function traffic(ctx: RolloutContext, stepped: Look): { weight: number; writes: RoutingWrite[] } {
  const { rollout } = ctx;
  const { next } = stepped;
  const canary = rollout.spec?.strategy?.canary ?? {};
  if (!canary.trafficRouting) return { weight: canaryWeight(next.state, next.context), writes: [] };
  const weight = routerWeight(ctx, stepped);
  const onSteps = ["stepping", "pausedStep", "userPaused"].includes(next.state);
  const routes = activeManagedRoutes(rollout, next.context.stepIndex, onSteps);
  // Traffic is all on the stable pods once promoted, or aborted down to weight 0.
  const backOnStable = next.state === "healthy" || (next.state === "aborted" && weight === 0);
  const canaryHash = backOnStable ? stepped.stableHash : stepped.currentHash;
  const hashes = { canary: canaryHash, stable: stepped.stableHash };
  const input = { rollout, weight, routes, hashes, lookup: ctx.routing };
  return { weight, writes: routersFor(canary.trafficRouting).routers.flatMap((r) => r.writes(input)) };
}
