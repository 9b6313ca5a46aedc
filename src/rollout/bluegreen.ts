// The blue/green strategy's hooks for the Rollout plan (plan.ts): step the blue/green machine with
// what was observed, then derive ReplicaSet sizes (preview size until promotion), Service
// selectors (preview at once, active only on promotion), scale-down deadlines of the previous
// active ReplicaSet, AnalysisRuns and blue/green status fields. Pure.
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import {
  BLUEGREEN_MACHINE_VERSION,
  type BlueGreenContext,
  type BlueGreenStateValue,
} from "../strategy/bluegreen.machine.ts";
import {
  blueGreenContext,
  resolveBlueGreenState,
  statusFromBlueGreen,
  stepBlueGreen,
} from "../strategy/bluegreen.state.ts";
import { observedRun, type RolloutContext } from "./context.ts";
import { analysisRunName, type ObservedRun, runStatusOf, type WantedRun } from "./rollout-analysis.ts";
import type { ConditionMode } from "./rollout-conditions.ts";
import { runVerdicts } from "./run-verdicts.ts";
import {
  type Restored,
  type Sizing,
  type Strategy,
  type StrategyDecision,
  sizeNewReplicaSet,
} from "./strategy.ts";
import {
  availableOf,
  fullyAvailable,
  hashOf,
  type ReplicaSet,
  type SortedReplicaSets,
  sortReplicaSets,
  specReplicas,
} from "./world.ts";

/** RS annotation (the peer's name) holding when a previous active ReplicaSet may be scaled down. */
export const SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline";

/** `previewJudged`: the preview is ready and a pre-promotion analysis decides when it goes on. */
function modeOf(state: BlueGreenStateValue, previewJudged: boolean): ConditionMode {
  if (state === "aborted" || state === "healthy") return state;
  if (state === "paused" || state === "userPaused") return "paused";
  if (state === "postPromotion" || (state === "preview" && previewJudged)) return "analysing";
  return "progressing";
}

/** Post-promotion analysis serves the new version; the update is not done until it passes. */
const serving = (state: BlueGreenStateValue) => state === "healthy" || state === "postPromotion";

/** This attempt's pre- and post-promotion run names (a resumed Inconclusive one is a fresh run). */
function runNames(rollout: Rollout, context: BlueGreenContext) {
  const { currentHash: hash, analysisRound: round, runRestarts } = context;
  if (hash === undefined) return { pre: undefined, post: undefined };
  return {
    pre: analysisRunName(rollout, hash, round, "PrePromotion", 0, runRestarts),
    post: analysisRunName(rollout, hash, round, "PostPromotion", 0, runRestarts),
  };
}

interface BlueGreenRestored extends Restored {
  state: BlueGreenStateValue;
  context: BlueGreenContext;
  /** The ReplicaSets as the restored state sees them. */
  before: SortedReplicaSets;
}

const specOf = (rollout: Rollout) => {
  const spec = rollout.spec ?? {};
  const bg = spec.strategy?.blueGreen ?? {};
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  return { spec, bg, replicas, previewSize: Math.min(bg.previewReplicaCount ?? replicas, replicas) };
};

/** The ReplicaSet runs its preview size and every pod of it is available. */
const previewReadyOf = (rs: ReplicaSet | undefined, previewSize: number) =>
  rs !== undefined && specReplicas(rs) === previewSize && availableOf(rs) >= previewSize;

function restore({ rollout, replicaSets, templateHash }: RolloutContext): BlueGreenRestored {
  const { spec, bg, previewSize } = specOf(rollout);
  const context = blueGreenContext(rollout.status ?? {}, bg);
  const state = resolveBlueGreenState(rollout.status?.sluice?.machine, context, spec.paused ?? false);
  const before = sortReplicaSets([...replicaSets], context.currentHash ?? templateHash, context.stableHash);
  const judged = previewReadyOf(before.newRS, previewSize) && bg.prePromotionAnalysis !== undefined;
  return { state, context, before, mode: modeOf(state, judged) };
}

/** The template's ReplicaSet is a previous active one, still up (fully) within its scale-down delay. */
function withinScaleDownDelay(ctx: RolloutContext, hash: string, replicas: number): boolean {
  const rs = ctx.replicaSets.find((r) => hashOf(r) === hash);
  const deadline = rs?.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
  return (
    rs !== undefined &&
    deadline !== undefined &&
    Date.parse(deadline) > ctx.now &&
    specReplicas(rs) >= replicas &&
    availableOf(rs) >= replicas
  );
}

interface Stepped {
  before: BlueGreenRestored;
  next: ReturnType<typeof stepBlueGreen>;
  preRun: ObservedRun | undefined;
  postRun: ObservedRun | undefined;
  sorted: SortedReplicaSets;
  currentHash: string;
  stableHash: string;
  /** The hash the active Service should select. */
  activeTarget: string;
}

function step(ctx: RolloutContext, restored: BlueGreenRestored, abort: boolean): Stepped {
  const { rollout, templateHash, now } = ctx;
  const { spec, bg, replicas, previewSize } = specOf(rollout);
  const { state, before } = restored;
  const context = abort && !restored.context.abort ? { ...restored.context, abort: true } : restored.context;
  const judgedBy = runNames(rollout, context);
  // Each run judges only the states it gates (an aborted rollout's failed run is not news).
  const gatesPre = !context.promoted && (state === "preview" || state === "paused" || state === "userPaused");
  const gatesPost = state === "promoting" || state === "postPromotion";
  const preRun = bg.prePromotionAnalysis && gatesPre ? observedRun(ctx, judgedBy.pre) : undefined;
  const postRun = bg.postPromotionAnalysis && gatesPost ? observedRun(ctx, judgedBy.post) : undefined;
  const next = stepBlueGreen(state, context, {
    type: "RECONCILE",
    now,
    templateHash,
    userPaused: spec.paused ?? false,
    previewReady: previewReadyOf(before.newRS, previewSize),
    preAnalysis: preRun?.phase,
    postAnalysis: postRun?.phase,
    newFullyAvailable:
      before.newRS !== undefined &&
      specReplicas(before.newRS) >= replicas &&
      availableOf(before.newRS) >= replicas,
    fastRollback: withinScaleDownDelay(ctx, templateHash, replicas),
  });
  const currentHash = next.context.currentHash ?? templateHash;
  const sorted = sortReplicaSets([...ctx.replicaSets], currentHash, next.context.stableHash);
  const stableHash = next.context.stableHash ?? currentHash;
  const activeTarget = serving(next.state) ? currentHash : stableHash;
  return { before: restored, next, preRun, postRun, sorted, currentHash, stableHash, activeTarget };
}

type BlueGreenSizing = Sizing & { wakeUps: number[] };

/**
 * The new ReplicaSet's size in `next`'s state (undefined leaves it as it is): preview size until
 * promotion, full after; once aborted, 0 after abortScaleDownDelaySeconds (0 keeps it), with a
 * wake-up for when that delay runs out.
 */
function newReplicaSetSize(ctx: RolloutContext, next: Stepped["next"]): { size?: number; wakeUp?: number } {
  const { bg, replicas, previewSize } = specOf(ctx.rollout);
  switch (next.state) {
    case "healthy":
    case "promoting":
    case "postPromotion":
      return { size: replicas };
    case "preview":
    case "paused":
      return { size: previewSize };
    case "aborted": {
      const delayMs = (bg.abortScaleDownDelaySeconds ?? RolloutDefaults.abortScaleDownDelaySeconds) * 1000;
      if (delayMs <= 0) return {};
      const due = (next.context.abortedAt ?? ctx.now) + delayMs;
      return ctx.now >= due ? { size: 0 } : { wakeUp: due - ctx.now };
    }
    default:
      return {};
  }
}

/**
 * Previous active ReplicaSets stay up for scaleDownDelaySeconds (fast rollback), then go. An
 * unreadable deadline (edited by hand) is recorded afresh rather than trusted.
 */
function scaleDownPrevious(ctx: RolloutContext, others: ReplicaSet[], sizing: BlueGreenSizing): void {
  const { bg } = specOf(ctx.rollout);
  const { now } = ctx;
  const delayMs = (bg.scaleDownDelaySeconds ?? RolloutDefaults.scaleDownDelaySeconds) * 1000;
  for (const rs of others) {
    if (specReplicas(rs) === 0) continue;
    const name = rs.metadata?.name ?? "";
    const recorded = Date.parse(rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] ?? "");
    const due = Number.isFinite(recorded) ? recorded : now + delayMs;
    if (!Number.isFinite(recorded)) sizing.deadlines.set(name, new Date(due).toISOString());
    if (now >= due) sizing.scale.set(name, 0);
    else sizing.wakeUps.push(due - now);
  }
}

/**
 * The new ReplicaSet at its size for the state (newReplicaSetSize); the stable one at full size
 * unless the user has paused; previous active ones scaled down after their delay.
 */
function size(ctx: RolloutContext, { next, sorted, currentHash }: Stepped): BlueGreenSizing {
  const { replicas } = specOf(ctx.rollout);
  const sizing: BlueGreenSizing = { scale: new Map(), deadlines: new Map(), wakeUps: [] };
  const { size: newSize, wakeUp } = newReplicaSetSize(ctx, next);
  if (wakeUp !== undefined) sizing.wakeUps.push(wakeUp);
  if (newSize !== undefined) sizeNewReplicaSet(sizing, sorted.newRS, currentHash, newSize);
  const stableRS = sorted.stableRS !== sorted.newRS ? sorted.stableRS : undefined;
  if (stableRS && next.state !== "userPaused" && specReplicas(stableRS) !== replicas)
    sizing.scale.set(stableRS.metadata?.name ?? "", replicas);
  // A ReplicaSet that is current or stable again is no longer on its way out (as the peer's
  // RemoveScaleDownDeadlines): a later delay starts afresh, never from a stale deadline.
  for (const rs of [sorted.newRS, sorted.stableRS])
    if (rs?.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] !== undefined)
      sizing.deadlines.set(rs.metadata.name ?? "", null);
  scaleDownPrevious(ctx, sorted.others, sizing);
  return sizing;
}

/**
 * Preview follows the new ReplicaSet at once, ready or not (as the peer: it is for testing the
 * new version); active switches only when promoted and only to fully available pods.
 */
function services(ctx: RolloutContext, { currentHash, activeTarget }: Stepped): Map<string, string> {
  const { bg } = specOf(ctx.rollout);
  const out = new Map<string, string>();
  if (bg.activeService && fullyAvailable([...ctx.replicaSets], activeTarget))
    out.set(bg.activeService, activeTarget);
  if (bg.previewService) out.set(bg.previewService, currentHash);
  return out;
}

/**
 * The pre- and post-promotion run statuses to report: those of the update while it is under way;
 * once aborted, the runs that were current stay reported (why it aborted), as the peer does.
 */
function reportedRuns(ctx: RolloutContext, stepped: Stepped) {
  const { rollout } = ctx;
  const { bg } = specOf(rollout);
  const previous = rollout.status?.blueGreen;
  const { next } = stepped;
  if (next.state === "aborted")
    return {
      pre: runStatusOf(stepped.preRun) ?? previous?.prePromotionAnalysisRunStatus,
      post: runStatusOf(stepped.postRun) ?? previous?.postPromotionAnalysisRunStatus,
    };
  const names = runNames(rollout, next.context);
  const inUpdate = next.state !== "healthy";
  return {
    pre: runStatusOf(inUpdate && bg.prePromotionAnalysis ? observedRun(ctx, names.pre) : undefined),
    post: runStatusOf(inUpdate && bg.postPromotionAnalysis ? observedRun(ctx, names.post) : undefined),
  };
}

/** status.blueGreen: selectors in force, the runs of the update (or those that aborted it). */
function blueGreenStatus(
  ctx: RolloutContext,
  stepped: Stepped,
  serviced: Map<string, string>,
): NonNullable<RolloutStatus["blueGreen"]> {
  const { bg } = specOf(ctx.rollout);
  const previous = ctx.rollout.status?.blueGreen;
  const { next, currentHash, activeTarget } = stepped;
  const { pre: preRef, post: postRef } = reportedRuns(ctx, stepped);
  const {
    prePromotionAnalysisRunStatus: _pre,
    postPromotionAnalysisRunStatus: _post,
    scaleUpPreviewCheckPoint: _checkPoint,
    ...kept
  } = previous ?? {};
  return {
    ...kept,
    ...(serviced.has(bg.activeService ?? "") ? { activeSelector: activeTarget } : {}),
    ...(serviced.has(bg.previewService ?? "") ? { previewSelector: currentHash } : {}),
    ...(preRef ? { prePromotionAnalysisRunStatus: preRef } : {}),
    ...(postRef ? { postPromotionAnalysisRunStatus: postRef } : {}),
    ...(next.context.promoted ? { scaleUpPreviewCheckPoint: true } : {}),
  };
}

/**
 * Pre-promotion analysis judges the preview once all its pods are available; post-promotion
 * analysis the new version once it serves. A paused rollout keeps the run that paused it; runs are
 * kept (never terminated) in every state that judges them, a user's pause included.
 */
function runs(ctx: RolloutContext, stepped: Stepped): StrategyDecision["runs"] {
  const { rollout } = ctx;
  const { bg, previewSize } = specOf(rollout);
  const { next, sorted, currentHash } = stepped;
  const names = runNames(rollout, next.context);
  const wanted: WantedRun[] = [];
  const keep: string[] = [];
  const judgingPreview = next.state === "preview" || next.state === "paused" || next.state === "userPaused";
  if (bg.prePromotionAnalysis && names.pre && judgingPreview) {
    keep.push(names.pre);
    // Judged on the update's own ReplicaSet, not on the one seen before a new template was
    // noticed in this same look (that is the previous version).
    if (next.state === "preview" && previewReadyOf(sorted.newRS, previewSize))
      wanted.push({
        kind: "PrePromotion",
        name: names.pre,
        analysis: bg.prePromotionAnalysis,
        hash: currentHash,
      });
  }
  if (bg.postPromotionAnalysis && names.post && next.state === "postPromotion") {
    keep.push(names.post);
    wanted.push({
      kind: "PostPromotion",
      name: names.post,
      analysis: bg.postPromotionAnalysis,
      hash: currentHash,
    });
  }
  const recorded = rollout.status?.blueGreen;
  return {
    wanted,
    keep,
    verdicts: runVerdicts([
      { kind: "PrePromotion", run: stepped.preRun, recorded: recorded?.prePromotionAnalysisRunStatus },
      { kind: "PostPromotion", run: stepped.postRun, recorded: recorded?.postPromotionAnalysisRunStatus },
    ]),
  };
}

function decide(ctx: RolloutContext, restored: BlueGreenRestored, abort: boolean): StrategyDecision {
  const stepped = step(ctx, restored, abort);
  const { next, sorted, currentHash } = stepped;
  const { bg, previewSize } = specOf(ctx.rollout);
  const { wakeUps, ...sizing } = size(ctx, stepped);
  const serviced = services(ctx, stepped);
  const status = statusFromBlueGreen(next.context, ctx.rollout.status ?? {});
  status.blueGreen = blueGreenStatus(ctx, stepped, serviced);
  const { autoPromotionEnabled, autoPromotionMs, pausedSince, pauseReason } = next.context;
  // As the autoPromotionDue guard: an undecided analysis's pause never ends by itself.
  const autoPromoting = autoPromotionEnabled && pauseReason !== "InconclusiveAnalysisRun";
  if (next.state === "paused" && autoPromoting && autoPromotionMs !== undefined)
    wakeUps.push((pausedSince ?? ctx.now) + autoPromotionMs - ctx.now);
  return {
    state: next.state,
    machine: { machineVersion: BLUEGREEN_MACHINE_VERSION, value: next.state },
    moved: next.state !== restored.state,
    notices: next.notices,
    mode: modeOf(
      next.state,
      previewReadyOf(sorted.newRS, previewSize) && bg.prePromotionAnalysis !== undefined,
    ),
    currentHash,
    newRS: sorted.newRS,
    others: sorted.others,
    sizing,
    services: serviced,
    status,
    // What an HPA scales is what serves: the ReplicaSet behind the active Service.
    serving: ctx.replicaSets.find((rs) => hashOf(rs) === status.blueGreen?.activeSelector),
    runs: runs(ctx, stepped),
    wakeUps,
  };
}

export const blueGreenStrategy: Strategy<BlueGreenRestored> = { restore, decide };
