// Plans one reconcile of a blue/green Rollout: step the blue/green machine with what was
// observed, then derive ReplicaSet sizes, Service selectors (preview at once, active only on
// promotion), scale-down deadlines of the previous active ReplicaSet, and status. Pure.
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import { selectorString } from "../api/selector.ts";
import { BLUEGREEN_MACHINE_VERSION, type BlueGreenStateValue } from "../strategy/bluegreen.machine.ts";
import {
  blueGreenContext,
  resolveBlueGreenState,
  statusFromBlueGreen,
  stepBlueGreen,
} from "../strategy/bluegreen.state.ts";
import type { Notice } from "../strategy/canary.machine.ts";
import { computePhase } from "./conditions.ts";
import { analysisRunName, type RunLookup, runStatusOf, type WantedRun } from "./rollout-analysis.ts";
import { type ConditionMode, progressDeadlineExceeded, rolloutConditions } from "./rollout-conditions.ts";
import { type RunVerdict, runVerdicts } from "./run-verdicts.ts";
import {
  availableOf,
  fullyAvailable,
  hashOf,
  historyToPrune,
  type ReplicaSet,
  replicaCounters,
  sortReplicaSets,
  specReplicas,
} from "./world.ts";

/** RS annotation (the peer's name) holding when a previous active ReplicaSet may be scaled down. */
export const SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline";

export interface BlueGreenPlan {
  state: BlueGreenStateValue;
  notices: Notice[];
  createNew?: { hash: string; replicas: number };
  scale: Map<string, number>;
  /** ReplicaSet name → scale-down deadline (RFC 3339) to record on it. */
  deadlines: Map<string, string>;
  services: Map<string, string>;
  prune: string[];
  /** AnalysisRuns that must exist; runs of the attempt in progress; first-seen verdicts. */
  runs: WantedRun[];
  keepRuns: string[];
  verdicts: RunVerdict[];
  status: RolloutStatus;
  requeueAfterMs?: number;
}

/** `previewJudged`: the preview is ready and a pre-promotion analysis decides when it goes on. */
function mode(state: BlueGreenStateValue, previewJudged: boolean): ConditionMode {
  if (state === "aborted" || state === "healthy") return state;
  if (state === "paused" || state === "userPaused") return "paused";
  if (state === "postPromotion" || (state === "preview" && previewJudged)) return "analysing";
  return "progressing";
}

/** Post-promotion analysis serves the new version; the update is not done until it passes. */
const serving = (state: BlueGreenStateValue) => state === "healthy" || state === "postPromotion";

function runNames(rollout: Rollout, hash: string | undefined, round: number) {
  if (hash === undefined) return { pre: undefined, post: undefined };
  return {
    pre: analysisRunName(rollout, hash, round, "PrePromotion"),
    post: analysisRunName(rollout, hash, round, "PostPromotion"),
  };
}

export function planBlueGreen(
  rollout: Rollout,
  replicaSets: ReplicaSet[],
  templateHash: string,
  now: number,
  runs: RunLookup = () => undefined,
): BlueGreenPlan {
  const spec = rollout.spec ?? {};
  const bg = spec.strategy?.blueGreen ?? {};
  const previous = rollout.status ?? {};
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  const previewSize = Math.min(bg.previewReplicaCount ?? replicas, replicas);
  const userPaused = spec.paused ?? false;

  const context = blueGreenContext(previous, bg);
  const state = resolveBlueGreenState(previous.sluice?.machine, context, userPaused);
  const deadlineMs = (spec.progressDeadlineSeconds ?? RolloutDefaults.progressDeadlineSeconds) * 1000;
  const before = sortReplicaSets(replicaSets, context.currentHash ?? templateHash, context.stableHash);
  const judgedBy = runNames(rollout, context.currentHash, context.analysisRound);
  // Each run judges only the states it gates (an aborted rollout's failed run is not news).
  const gatesPre = !context.promoted && (state === "preview" || state === "paused" || state === "userPaused");
  const gatesPost = state === "promoting" || state === "postPromotion";
  const preRun = bg.prePromotionAnalysis && judgedBy.pre && gatesPre ? runs(judgedBy.pre) : undefined;
  const postRun = bg.postPromotionAnalysis && judgedBy.post && gatesPost ? runs(judgedBy.post) : undefined;
  const previewReady =
    before.newRS !== undefined &&
    specReplicas(before.newRS) === previewSize &&
    availableOf(before.newRS) >= previewSize;
  const timedOut = progressDeadlineExceeded(
    mode(state, previewReady && bg.prePromotionAnalysis !== undefined),
    previous.conditions ?? [],
    now,
    deadlineMs,
  );
  if (timedOut && spec.progressDeadlineAbort && !context.abort) context.abort = true;
  const next = stepBlueGreen(state, context, {
    type: "RECONCILE",
    now,
    templateHash,
    userPaused,
    previewReady,
    preAnalysis: preRun?.phase,
    postAnalysis: postRun?.phase,
    newFullyAvailable:
      before.newRS !== undefined &&
      specReplicas(before.newRS) >= replicas &&
      availableOf(before.newRS) >= replicas,
  });

  const currentHash = next.context.currentHash ?? templateHash;
  const sorted = sortReplicaSets(replicaSets, currentHash, next.context.stableHash);
  // The preview of the update in progress is ready (judged on its own ReplicaSet, not on the one
  // seen before a new template was noticed in this same look: that is the previous version).
  const previewServing =
    sorted.newRS !== undefined &&
    specReplicas(sorted.newRS) === previewSize &&
    availableOf(sorted.newRS) >= previewSize;
  const stableRS = sorted.stableRS !== sorted.newRS ? sorted.stableRS : undefined;
  const wakeUps: number[] = [];
  const scale = new Map<string, number>();
  const deadlines = new Map<string, string>();
  let createNew: BlueGreenPlan["createNew"];

  // The new ReplicaSet: preview size until promotion, full after; scaled away only after
  // abortScaleDownDelaySeconds once aborted (0 keeps it).
  let newSize: number | undefined;
  if (next.state === "healthy" || next.state === "promoting" || next.state === "postPromotion")
    newSize = replicas;
  else if (next.state === "preview" || next.state === "paused") newSize = previewSize;
  else if (next.state === "aborted") {
    const delayMs = (bg.abortScaleDownDelaySeconds ?? RolloutDefaults.abortScaleDownDelaySeconds) * 1000;
    const due = (next.context.abortedAt ?? now) + delayMs;
    if (delayMs > 0 && now >= due) newSize = 0;
    else if (delayMs > 0) wakeUps.push(due - now);
  }
  if (newSize !== undefined) {
    if (sorted.newRS === undefined) createNew = { hash: currentHash, replicas: newSize };
    else if (specReplicas(sorted.newRS) !== newSize) scale.set(sorted.newRS.metadata?.name ?? "", newSize);
  }
  if (stableRS && next.state !== "userPaused" && specReplicas(stableRS) !== replicas) {
    scale.set(stableRS.metadata?.name ?? "", replicas);
  }
  // Previous active ReplicaSets stay up for scaleDownDelaySeconds (fast rollback), then go.
  const delayMs = (bg.scaleDownDelaySeconds ?? RolloutDefaults.scaleDownDelaySeconds) * 1000;
  for (const rs of sorted.others) {
    if (specReplicas(rs) === 0) continue;
    const name = rs.metadata?.name ?? "";
    const recorded = rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
    const due = recorded ? Date.parse(recorded) : now + delayMs;
    if (!recorded) deadlines.set(name, new Date(due).toISOString());
    if (now >= due) scale.set(name, 0);
    else wakeUps.push(due - now);
  }

  // Services: preview follows the new pods; active switches only when promoted.
  const stableHash = next.context.stableHash ?? currentHash;
  const activeTarget = serving(next.state) ? currentHash : stableHash;
  const services = new Map<string, string>();
  if (bg.activeService && fullyAvailable(replicaSets, activeTarget))
    services.set(bg.activeService, activeTarget);
  if (bg.previewService && fullyAvailable(replicaSets, currentHash))
    services.set(bg.previewService, currentHash);

  const counters = replicaCounters(replicaSets, sorted.newRS);
  const status: RolloutStatus = { ...statusFromBlueGreen(next.context, previous), ...counters };
  status.observedGeneration = rollout.metadata?.generation ?? 0;
  // What an HPA scales is what serves: the active ReplicaSet.
  status.HPAReplicas = replicaSets.find((rs) => hashOf(rs) === activeTarget)?.status?.replicas ?? 0;
  status.selector = spec.selector ? selectorString(spec.selector) : "";
  const nextNames = runNames(rollout, next.context.currentHash, next.context.analysisRound);
  const inUpdate = next.state !== "healthy" && next.state !== "aborted";
  const preStatus = inUpdate && bg.prePromotionAnalysis && nextNames.pre ? runs(nextNames.pre) : undefined;
  const postStatus =
    inUpdate && bg.postPromotionAnalysis && nextNames.post ? runs(nextNames.post) : undefined;
  const {
    prePromotionAnalysisRunStatus: _pre,
    postPromotionAnalysisRunStatus: _post,
    scaleUpPreviewCheckPoint: _checkPoint,
    ...blueGreenStatus
  } = previous.blueGreen ?? {};
  // Once aborted, the runs that were current stay reported (why it aborted), as the peer does.
  const aborted = next.state === "aborted";
  const preRef = aborted
    ? (runStatusOf(preRun) ?? previous.blueGreen?.prePromotionAnalysisRunStatus)
    : runStatusOf(preStatus);
  const postRef = aborted
    ? (runStatusOf(postRun) ?? previous.blueGreen?.postPromotionAnalysisRunStatus)
    : runStatusOf(postStatus);
  status.blueGreen = {
    ...blueGreenStatus,
    ...(services.has(bg.activeService ?? "") ? { activeSelector: activeTarget } : {}),
    ...(services.has(bg.previewService ?? "") ? { previewSelector: currentHash } : {}),
    ...(preRef ? { prePromotionAnalysisRunStatus: preRef } : {}),
    ...(postRef ? { postPromotionAnalysisRunStatus: postRef } : {}),
    ...(next.context.promoted ? { scaleUpPreviewCheckPoint: true } : {}),
  };
  status.sluice = {
    ...status.sluice,
    machine: { machineVersion: BLUEGREEN_MACHINE_VERSION, value: next.state },
  };
  const progressed =
    next.state !== state ||
    scale.size > 0 ||
    createNew !== undefined ||
    status.availableReplicas !== previous.availableReplicas ||
    status.updatedReplicas !== previous.updatedReplicas;
  status.conditions = rolloutConditions(status, {
    mode: mode(next.state, previewServing && bg.prePromotionAnalysis !== undefined),
    replicas,
    now,
    progressed,
    timedOut: timedOut && !progressed,
    newReplicaSetName: sorted.newRS?.metadata?.name ?? `${rollout.metadata?.name}-${currentHash}`,
  });
  Object.assign(status, computePhase(spec, status));
  if (
    next.state !== "healthy" &&
    next.state !== "aborted" &&
    status.blueGreen.activeSelector !== currentHash &&
    status.phase === "Healthy"
  ) {
    status.phase = "Progressing";
    status.message = "active service cutover pending";
  }

  if (
    next.state === "paused" &&
    next.context.autoPromotionEnabled &&
    next.context.autoPromotionMs !== undefined
  ) {
    wakeUps.push((next.context.pausedSince ?? now) + next.context.autoPromotionMs - now);
  }
  if (next.state !== state || next.notices.length > 0) wakeUps.push(0);
  const plan: BlueGreenPlan = {
    state: next.state,
    notices: next.notices,
    scale,
    deadlines,
    services,
    status,
    prune: historyToPrune(sorted.others, spec.revisionHistoryLimit ?? RolloutDefaults.revisionHistoryLimit),
    runs: [],
    keepRuns: [],
    verdicts: runVerdicts([
      { kind: "PrePromotion", run: preRun, recorded: previous.blueGreen?.prePromotionAnalysisRunStatus },
      { kind: "PostPromotion", run: postRun, recorded: previous.blueGreen?.postPromotionAnalysisRunStatus },
    ]),
  };
  if (createNew) plan.createNew = createNew;
  // Pre-promotion analysis judges the preview once all its pods are available; post-promotion
  // analysis the new version once it serves. A paused rollout keeps the run that paused it.
  // Kept (never terminated) in every state that judges them, a user's pause included.
  if (
    bg.prePromotionAnalysis &&
    nextNames.pre &&
    (next.state === "preview" || next.state === "paused" || next.state === "userPaused")
  ) {
    plan.keepRuns.push(nextNames.pre);
    if (next.state === "preview" && previewServing)
      plan.runs.push({
        kind: "PrePromotion",
        name: nextNames.pre,
        analysis: bg.prePromotionAnalysis,
        hash: currentHash,
      });
  }
  if (bg.postPromotionAnalysis && nextNames.post && next.state === "postPromotion") {
    plan.keepRuns.push(nextNames.post);
    plan.runs.push({
      kind: "PostPromotion",
      name: nextNames.post,
      analysis: bg.postPromotionAnalysis,
      hash: currentHash,
    });
  }
  if (wakeUps.length > 0) plan.requeueAfterMs = Math.max(0, Math.min(...wakeUps));
  return plan;
}
