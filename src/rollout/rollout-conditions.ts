// A Rollout's conditions from its strategy machine's state (as a ConditionMode), and the progress deadline:
// progressDeadlineSeconds counts only while the rollout is actively progressing (not paused,
// waiting on an analysis, aborted or healthy); entering that from a pause or an analysis restarts
// the clock, so time spent waiting never counts (the peer's isIndefiniteStep).
import type { Condition } from "../api/common.ts";
import type { RolloutStatus } from "../api/rollout.ts";
import type { CanaryStateValue } from "../strategy/canary.machine.ts";
import { removeCondition, setCondition } from "./conditions.ts";

/** True when an actively progressing rollout has made no progress for `deadlineMs`. */
export function progressDeadlineExceeded(
  mode: ConditionMode,
  conditions: Condition[],
  now: number,
  deadlineMs: number,
): boolean {
  if (!deadlineCounts(mode)) return false;
  const progressing = conditions.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") return true;
  if (!progressing?.lastUpdateTime || !PROGRESS_REASONS.includes(progressing.reason ?? "")) return false;
  return now - Date.parse(progressing.lastUpdateTime) > deadlineMs;
}

/** Progressing reasons under which the progress deadline runs (from their lastUpdateTime). */
export const PROGRESS_REASONS = ["ReplicaSetUpdated", "ReplicaSetNotAvailable"];

/** Modes in which the progress deadline counts: moving pods, or a promoted rollout short of pods. */
export const deadlineCounts = (mode: ConditionMode): boolean =>
  mode === "progressing" || mode === "unavailable";

/**
 * What the strategy machine's state means for the conditions. "analysing": the replicas are where
 * the step wants them and an AnalysisRun decides how long that takes.
 */
export type ConditionMode = "progressing" | "analysing" | "paused" | "aborted" | "healthy" | "unavailable";

/**
 * "unavailable": the update is done (stable is the current template) but fewer pods than
 * spec.replicas are available — pods lost after promotion, or a first deploy whose pods are not
 * ready yet. It progresses (and can time out) until they are back, as the peer's
 * ReplicaSetNotAvailable.
 */
export function withAvailability(mode: ConditionMode, available: number, replicas: number): ConditionMode {
  return mode === "healthy" && available < replicas ? "unavailable" : mode;
}

export function canaryMode(state: CanaryStateValue, onAnalysisStep = false): ConditionMode {
  if (state === "aborted" || state === "healthy") return state;
  if (state === "userPaused" || state === "pausedStep") return "paused";
  return state === "stepping" && onAnalysisStep ? "analysing" : "progressing";
}

export interface ConditionFacts {
  mode: ConditionMode;
  replicas: number;
  now: number;
  progressed: boolean;
  timedOut: boolean;
  newReplicaSetName: string;
  /** The revision of the update (its ReplicaSet's rollout.argoproj.io/revision). */
  revision: number;
}

/**
 * Why an analysis aborted the update, from the runs the status still reports: the run's message,
 * as the peer appends it, or which analysis ended how when the run has none.
 */
function analysisAbortReason(status: RolloutStatus): string {
  const runs: [string, { status?: string; message?: string } | undefined][] = [
    ["Step-based", status.canary?.currentStepAnalysisRunStatus],
    ["Background", status.canary?.currentBackgroundAnalysisRunStatus],
    ["Blue-green pre-promotion", status.blueGreen?.prePromotionAnalysisRunStatus],
    ["Blue-green post-promotion", status.blueGreen?.postPromotionAnalysisRunStatus],
  ];
  for (const [kind, run] of runs) {
    if (run?.status === "Failed" || run?.status === "Error")
      return `: ${run.message ?? `${kind} analysis phase ${run.status.toLowerCase()}`}`;
  }
  return "";
}

export function rolloutConditions(status: RolloutStatus, facts: ConditionFacts): Condition[] {
  const now = new Date(facts.now).toISOString();
  const { mode } = facts;
  let conditions = removeCondition(status.conditions ?? [], "InvalidSpec");
  const available = (status.availableReplicas ?? 0) >= facts.replicas;
  conditions = setCondition(
    conditions,
    {
      type: "Available",
      status: available ? "True" : "False",
      reason: "AvailableReason",
      message: available ? "Rollout has minimum availability" : "Rollout does not have minimum availability",
    },
    now,
  );
  conditions = setCondition(
    conditions,
    { type: "Progressing", ...progressingCondition(status, facts) },
    now,
    facts.progressed && deadlineCounts(mode),
  );
  const paused = mode === "paused";
  conditions = setCondition(
    conditions,
    {
      type: "Paused",
      status: paused ? "True" : "False",
      reason: paused ? "RolloutPaused" : "RolloutResumed",
      message: paused ? "Rollout is paused" : "Rollout is resumed",
    },
    now,
  );
  // The peer's wording: reason and message are RolloutCompleted either way.
  const completed = mode === "healthy" || mode === "unavailable";
  conditions = setCondition(
    conditions,
    {
      type: "Completed",
      status: completed ? "True" : "False",
      reason: "RolloutCompleted",
      message: "RolloutCompleted",
    },
    now,
  );
  return conditions;
}

/** A condition as a strategy state decides it (setCondition stamps the times). */
type ConditionBody = Omit<Condition, "type" | "lastUpdateTime" | "lastTransitionTime">;

/** The Progressing condition for the mode; the progress deadline's timeout wins over progressing. */
function progressingCondition(status: RolloutStatus, facts: ConditionFacts): ConditionBody {
  const { mode } = facts;
  if (mode === "unavailable" && !facts.timedOut) return unavailableCondition(status, facts);
  switch (mode) {
    case "aborted":
      return {
        status: "False",
        reason: "RolloutAborted",
        message: `Rollout aborted update to revision ${facts.revision}${analysisAbortReason(status)}`,
      };
    case "healthy":
      return {
        status: "True",
        reason: "NewReplicaSetAvailable",
        message: "Rollout has completed its update",
      };
    case "paused":
      return { status: "Unknown", reason: "RolloutPaused", message: "Rollout is paused" };
    case "analysing":
      return { status: "True", reason: "ReplicaSetUpdated", message: "Rollout is waiting for its analysis" };
  }
  return facts.timedOut
    ? {
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: `ReplicaSet "${facts.newReplicaSetName}" has timed out progressing.`,
      }
    : {
        status: "True",
        reason: "ReplicaSetUpdated",
        message: `ReplicaSet "${facts.newReplicaSetName}" is progressing.`,
      };
}

/**
 * A promoted rollout short of pods: ReplicaSetNotAvailable once it had been complete (pods lost),
 * else still ReplicaSetUpdated (a first deploy whose pods are not ready yet), as the peer.
 */
function unavailableCondition(status: RolloutStatus, facts: ConditionFacts): ConditionBody {
  const reason = status.conditions?.find((c) => c.type === "Progressing")?.reason;
  return reason === "NewReplicaSetAvailable" || reason === "ReplicaSetNotAvailable"
    ? {
        status: "True",
        reason: "ReplicaSetNotAvailable",
        message: "Rollout does not have minimum availability",
      }
    : {
        status: "True",
        reason: "ReplicaSetUpdated",
        message: `ReplicaSet "${facts.newReplicaSetName}" is progressing.`,
      };
}

/**
 * The peer's Healthy condition (`kubectl wait --for=condition=Healthy rollout/x`): True while the
 * rollout is Healthy; once it has been set, False while it is not.
 */
export function withHealthy(
  conditions: Condition[],
  phase: RolloutStatus["phase"],
  now: number,
): Condition[] {
  const healthy = phase === "Healthy";
  if (!healthy && !conditions.some((c) => c.type === "Healthy")) return conditions;
  return setCondition(
    conditions,
    {
      type: "Healthy",
      status: healthy ? "True" : "False",
      reason: "RolloutHealthy",
      message: healthy ? "Rollout is healthy" : "Rollout is not healthy",
    },
    new Date(now).toISOString(),
  );
}
