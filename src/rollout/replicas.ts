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
 * The canary/stable split nearest to `weight` percent, choosing among floor and ceil of the
 * weighted count over `replicas` pods and, when surge is allowed, over `replicas + 1` pods. For
 * weights strictly between 0 and 100 a split that leaves either side empty is avoided when any
 * other candidate exists; ties go to the larger canary.
 */
export function nearestSplit(replicas: number, weight: number, maxSurge: number): Split {
  if (replicas <= 0) return { canary: 0, stable: 0 };
  if (weight <= 0) return { canary: 0, stable: replicas };
  if (weight >= 100) return { canary: replicas, stable: 0 };
  const totals = maxSurge > 0 ? [replicas, replicas + 1] : [replicas];
  const candidates: { canary: number; total: number }[] = [];
  for (const total of totals) {
    const exact = (total * weight) / 100;
    for (const canary of new Set([Math.ceil(exact), Math.floor(exact)])) candidates.push({ canary, total });
  }
  const bothSides = candidates.filter((c) => c.canary > 0 && c.canary < c.total);
  const pool = bothSides.length > 0 ? bothSides : candidates;
  const error = (c: { canary: number; total: number }) => Math.abs((c.canary / c.total) * 100 - weight);
  let best = pool[0] ?? { canary: 0, total: replicas };
  for (const c of pool.slice(1)) {
    const delta = error(c) - error(best);
    if (delta < -1e-9 || (Math.abs(delta) <= 1e-9 && c.canary > best.canary)) best = c;
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

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
