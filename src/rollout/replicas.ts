// Replica maths of a canary without a traffic router ("basic canary"): the weight is approximated
// by the ratio of canary to stable pods, and each reconcile moves one step toward it within
// maxSurge (extra pods allowed) and maxUnavailable (available pods that may be missing).
// Semantics follow Argo Rollouts (../shared/reference/argo-rollouts.md §5.5); pure functions.
import type { IntOrString } from "../api/common.ts";

export interface Split {
  canary: number;
  stable: number;
}

/** An int-or-percent against `total`: maxSurge rounds percentages up, maxUnavailable down. */
export function resolveIntOrPercent(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new Error(`"${value}" is not an integer or a percentage`);
  const exact = (total * Number(match[1])) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * The canary/stable split nearest to `weight` percent, exactly as the peer approximates it
 * (approximateWeightedCanaryStableReplicaCounts), quirks included, so the same Rollout runs the
 * same pods under either controller. Candidates are the ceiling and floor of the weighted count
 * over `replicas` pods and, when surge is allowed, the same two counts over `replicas + 1` pods;
 * the first candidate with the smallest error wins. For weights 1–99 a zero canary is not a
 * candidate (unless one pod and no surge), nor is a canary of all `replicas`; an exact tie between
 * floor and ceiling drops the floor (the larger canary wins). With no candidate left (e.g. 2 pods
 * at 75 % without surge) the canary gets none.
 */
export function nearestSplit(replicas: number, weight: number, maxSurge: number): Split {
  if (replicas <= 0) return { canary: 0, stable: 0 };
  const candidates = splitCandidates(replicas, weight, maxSurge);
  let best = candidates[0];
  if (best === undefined) return { canary: 0, stable: replicas };
  for (const candidate of candidates.slice(1))
    if (weightError(weight, candidate) < weightError(weight, best)) best = candidate;
  return { canary: best.canary, stable: best.total - best.canary };
}

/** nearestSplit's candidates, in the peer's order (the first with the smallest error wins). */
function splitCandidates(replicas: number, weight: number, maxSurge: number): SplitCandidate[] {
  const ceil = Math.ceil((replicas * weight) / 100);
  const floor = Math.floor((replicas * weight) / 100);
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && maxSurge === 0);
  const floorAllowed = floor !== 0 || zeroAllowed;
  const candidates: SplitCandidate[] = [];
  if (ceil < replicas || zeroAllowed) candidates.push({ canary: ceil, total: replicas });
  if (!halfway(replicas, weight) && floorAllowed) candidates.push({ canary: floor, total: replicas });
  if (maxSurge > 0) {
    // The peer keeps the counts weighted over `replicas` here too (not over replicas + 1).
    candidates.push({ canary: ceil, total: replicas + 1 });
    if (!halfway(replicas + 1, weight) && floorAllowed)
      candidates.push({ canary: floor, total: replicas + 1 });
  }
  return candidates;
}

/** A canary of `canary` pods out of `total`. */
interface SplitCandidate {
  canary: number;
  total: number;
}

/** The weighted count over `total` pods is exactly halfway between floor and ceiling. */
function halfway(total: number, weight: number): boolean {
  const exact = total * (weight / 100);
  return exact - Math.trunc(exact) === 0.5;
}

const weightError = (weight: number, c: SplitCandidate) => Math.abs((c.canary * 100) / c.total - weight);

export interface ReplicaSetCount {
  /** spec.replicas of the ReplicaSet now. */
  current: number;
  /** Its available pods. */
  available: number;
}

export interface BasicCanaryInput {
  replicas: number;
  weight: number;
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
  canary: ReplicaSetCount;
  stable: ReplicaSetCount;
  /** All other (older) ReplicaSets together. */
  others: ReplicaSetCount;
}

export interface BasicCanaryScale {
  canary: number;
  stable: number;
  /** What the older ReplicaSets together may keep; they are drained before canary and stable. */
  others: number;
  /** The split being approached. */
  target: Split;
}

/**
 * One reconcile's step toward the target split. Scale-ups fit within replicas + maxSurge
 * (stable first, so capacity is restored before the canary grows); scale-downs keep at least
 * replicas − maxUnavailable available pods, removing unavailable pods first (they serve nothing)
 * and draining older ReplicaSets before the canary and the stable.
 */
export function nextBasicCanaryScale(input: BasicCanaryInput): BasicCanaryScale {
  const { replicas } = input;
  const surge = resolveIntOrPercent(input.maxSurge, replicas, true);
  let unavailable = resolveIntOrPercent(input.maxUnavailable, replicas, false);
  // Both resolving to 0 would deadlock; the peer then allows one unavailable pod.
  if (surge === 0 && unavailable === 0) unavailable = 1;
  const target = nearestSplit(replicas, input.weight, surge);
  let canary = input.canary.current;
  let stable = input.stable.current;
  let others = input.others.current;

  let room = replicas + surge - (canary + stable + others);
  if (room > 0 && stable < target.stable) {
    const add = Math.min(room, target.stable - stable);
    stable += add;
    room -= add;
  }
  if (room > 0 && canary < target.canary) canary += Math.min(room, target.canary - canary);

  let budget = Math.max(
    0,
    input.canary.available + input.stable.available + input.others.available - (replicas - unavailable),
  );
  const shrink = (current: number, available: number, to: number): number => {
    if (current <= to) return current;
    const unready = Math.max(0, current - available);
    const freeDrop = Math.min(current - to, unready);
    const paidDrop = Math.min(current - to - freeDrop, budget);
    budget -= paidDrop;
    return current - freeDrop - paidDrop;
  };
  others = shrink(others, input.others.available, 0);
  canary = shrink(canary, Math.min(input.canary.available, canary), target.canary);
  stable = shrink(stable, Math.min(input.stable.available, stable), target.stable);
  return { canary, stable, others, target };
}
