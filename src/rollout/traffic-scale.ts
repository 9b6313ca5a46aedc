// A canary with a traffic router, as the peer runs one (../shared/reference/argo-rollouts.md §3.3,
// §5.5): the router carries the weight, so the canary ReplicaSet only needs enough pods for its
// share — ceil(replicas × weight / maxWeight), or a setCanaryScale figure — and the stable keeps
// every pod until promotion. The weight sent to the router rises only once the canary pods for it
// are available. Old ReplicaSets leave after a scale-down delay (in-flight connections drain);
// an aborted canary after abortScaleDownDelaySeconds. Pure; `now` is an input.
import { type CanaryStep, type CanaryStrategy, RolloutDefaults } from "../api/rollout.ts";
import type { CanaryContext, CanaryStateValue } from "../strategy/canary.machine.ts";
import { currentSetWeight } from "../strategy/canary.weights.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "./bluegreen.ts";
import { type Sizing, sizeNewReplicaSet } from "./strategy.ts";
import { availableOf, type ReplicaSet, type SortedReplicaSets, specReplicas } from "./world.ts";

type CanaryScale = NonNullable<CanaryStep["setCanaryScale"]>;

/** The setCanaryScale in force: the last one at or before the step (matchTrafficWeight ends it). */
export function canaryScaleOverride(steps: CanaryStep[], stepIndex: number): CanaryScale | undefined {
  if (stepIndex >= steps.length) return undefined;
  for (let i = stepIndex; i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale) return scale.matchTrafficWeight ? undefined : scale;
  }
  return undefined;
}

export const maxWeightOf = (canary: CanaryStrategy): number =>
  canary.trafficRouting?.maxTrafficWeight ?? RolloutDefaults.maxTrafficWeight;

/** Canary and stable pod counts for a step's weight (the peer's traffic-routed replica counts). */
export function trafficRoutedSplit(
  replicas: number,
  weight: number,
  maxWeight: number,
  override?: CanaryScale,
): { canary: number; stable: number } {
  const canary =
    override?.replicas !== undefined
      ? override.replicas
      : Math.ceil((replicas * (override?.weight ?? weight)) / maxWeight);
  return { canary, stable: replicas };
}

/** The setWeight before the current step (0 when none): in force until the canary is ready for the next. */
function previousSetWeight(context: CanaryContext): number {
  const upTo = Math.min(context.stepIndex, context.steps.length) - 1;
  for (let i = upTo; i >= 0; i--) {
    const step = context.steps[i];
    if (step?.kind === "setWeight") return step.weight;
  }
  return 0;
}

export interface RoutedWeightInput {
  state: CanaryStateValue;
  context: CanaryContext;
  maxWeight: number;
  /** Canary and stable run the pods the step asks for, all available. */
  atDesiredCounts: boolean;
  canaryAvailable: number;
}

/**
 * The weight the router sends to the canary: 0 once promoted or aborted, or while no canary pod is
 * available; the step's weight once its pods are ready, the previous step's until then; the
 * maximum once the steps are done and the canary is at full size.
 */
export function routedWeight(input: RoutedWeightInput): number {
  const { state, context, maxWeight } = input;
  if (state === "healthy" || state === "aborted" || input.canaryAvailable === 0) return 0;
  if (!input.atDesiredCounts) return previousSetWeight(context);
  if (state === "promoting" || context.stepIndex >= context.steps.length) return maxWeight;
  return Math.min(currentSetWeight(context), maxWeight);
}

export interface RoutedSizingInput {
  state: CanaryStateValue;
  context: CanaryContext;
  canary: CanaryStrategy;
  replicas: number;
  sorted: SortedReplicaSets;
  currentHash: string;
  now: number;
  /** Pod counts the current step asks for. */
  split: { canary: number; stable: number };
}

const deadlineOf = (rs: ReplicaSet) => rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];

/**
 * Scales for a traffic-routed canary: the new ReplicaSet at the step's count (full once promoting),
 * the stable at full size; aborted, the canary keeps its pods until abortScaleDownDelaySeconds
 * (0: for good); old ReplicaSets go after scaleDownDelaySeconds once the rollout is promoted, an
 * intermediate canary replaced mid-update at once.
 */
export function routedSizing(input: RoutedSizingInput): Sizing & { wakeUps: number[] } {
  const { state, replicas, sorted } = input;
  const sizing: Sizing & { wakeUps: number[] } = { scale: new Map(), deadlines: new Map(), wakeUps: [] };
  if (state === "userPaused") return sizing;
  const newSize = newReplicaSetSize(input, sizing);
  if (newSize !== undefined) sizeNewReplicaSet(sizing, sorted.newRS, input.currentHash, newSize);
  const stableRS = sorted.stableRS !== sorted.newRS ? sorted.stableRS : undefined;
  // Full size, or with dynamicStableScale the share its weight needs (dynamic-stable.ts).
  const stableSize = input.canary.dynamicStableScale ? input.split.stable : replicas;
  if (stableRS && specReplicas(stableRS) !== stableSize)
    sizing.scale.set(stableRS.metadata?.name ?? "", stableSize);
  // Current or stable again: no longer on its way out; a later delay starts afresh.
  if (state !== "aborted")
    for (const rs of [sorted.newRS, sorted.stableRS])
      if (rs && deadlineOf(rs) !== undefined) sizing.deadlines.set(rs.metadata?.name ?? "", null);
  scaleDownOthers(input, sizing);
  return sizing;
}

/** Old ReplicaSets: after scaleDownDelaySeconds once promoted; a superseded canary at once. */
function scaleDownOthers(input: RoutedSizingInput, sizing: Sizing & { wakeUps: number[] }) {
  const delayMs = (input.canary.scaleDownDelaySeconds ?? RolloutDefaults.scaleDownDelaySeconds) * 1000;
  for (const rs of input.sorted.others) {
    if (specReplicas(rs) === 0) continue;
    // Mid-update, an old ReplicaSet with no deadline is a superseded canary: it goes at once; with
    // dynamicStableScale the old stable has no traffic left once promoted, so it goes at once too.
    const dynamicDone = input.state === "healthy" && input.canary.dynamicStableScale === true;
    if (dynamicDone || (input.state !== "healthy" && deadlineOf(rs) === undefined))
      sizing.scale.set(rs.metadata?.name ?? "", 0);
    else scaleDownAfter(sizing, rs, delayMs, input.now);
  }
}

function newReplicaSetSize(input: RoutedSizingInput, sizing: Sizing & { wakeUps: number[] }) {
  const { state, context, canary, replicas, sorted, now } = input;
  if (state === "healthy" || state === "promoting") return replicas;
  if (state !== "aborted") return input.split.canary;
  const newRS = sorted.newRS;
  if (newRS === undefined || sorted.newRS === sorted.stableRS) return undefined;
  // dynamicStableScale without an explicit delay: the canary steps down with its weight.
  if (canary.dynamicStableScale && canary.abortScaleDownDelaySeconds === undefined) return input.split.canary;
  // With one, the delay runs only once the stable can serve everything again.
  if (canary.dynamicStableScale && availableOf(sorted.stableRS) < replicas) return undefined;
  const delayMs = (canary.abortScaleDownDelaySeconds ?? RolloutDefaults.abortScaleDownDelaySeconds) * 1000;
  if (delayMs === 0) return undefined; // 0: the aborted canary keeps its pods (the peer's meaning)
  const due = (context.abortedAt ?? now) + delayMs;
  if (now >= due) return 0;
  sizing.wakeUps.push(due - now);
  return undefined;
}

/** Records a scale-down deadline on `rs` (now + delay) and scales it to 0 once it has passed. */
function scaleDownAfter(
  sizing: Sizing & { wakeUps: number[] },
  rs: ReplicaSet,
  delayMs: number,
  now: number,
) {
  const name = rs.metadata?.name ?? "";
  // An unreadable deadline (edited by hand) is recorded afresh rather than trusted.
  const recorded = Date.parse(deadlineOf(rs) ?? "");
  const due = Number.isFinite(recorded) ? recorded : now + delayMs;
  if (!Number.isFinite(recorded)) sizing.deadlines.set(name, new Date(due).toISOString());
  if (now >= due) sizing.scale.set(name, 0);
  else sizing.wakeUps.push(due - now);
}
