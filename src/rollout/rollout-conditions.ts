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
  if (mode !== "progressing") return false;
  const progressing = conditions.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") return true;
  if (progressing?.reason !== "ReplicaSetUpdated" || !progressing.lastUpdateTime) return false;
  return now - Date.parse(progressing.lastUpdateTime) > deadlineMs;
}

/**
 * What the strategy machine's state means for the conditions. "analysing": the replicas are where
 * the step wants them and an AnalysisRun decides how long that takes.
 */
export type ConditionMode = "progressing" | "analysing" | "paused" | "aborted" | "healthy";

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
}

/** Why an analysis aborted the update, from the runs the status still reports (peer wording). */
function analysisAbortReason(status: RolloutStatus): string {
  const runs: [string, { status?: string; message?: string } | undefined][] = [
    ["Step-based", status.canary?.currentStepAnalysisRunStatus],
    ["Background", status.canary?.currentBackgroundAnalysisRunStatus],
    ["Blue-green pre-promotion", status.blueGreen?.prePromotionAnalysisRunStatus],
    ["Blue-green post-promotion", status.blueGreen?.postPromotionAnalysisRunStatus],
  ];
  for (const [kind, run] of runs) {
    if (run?.status === "Failed" || run?.status === "Error") {
      return `: ${kind} analysis phase ${run.status.toLowerCase()}${run.message ? `: ${run.message}` : ""}`;
    }
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
  const progressing: Omit<Condition, "type" | "lastUpdateTime" | "lastTransitionTime"> =
    mode === "aborted"
      ? {
          status: "False",
          reason: "RolloutAborted",
          message: `Rollout aborted update to revision with hash ${status.currentPodHash ?? ""}${analysisAbortReason(status)}`,
        }
      : mode === "healthy"
        ? { status: "True", reason: "NewReplicaSetAvailable", message: "Rollout has completed its update" }
        : mode === "paused"
          ? { status: "Unknown", reason: "RolloutPaused", message: "Rollout is paused" }
          : mode === "analysing"
            ? { status: "True", reason: "ReplicaSetUpdated", message: "Rollout is waiting for its analysis" }
            : facts.timedOut
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
  conditions = setCondition(
    conditions,
    { type: "Progressing", ...progressing },
    now,
    facts.progressed && mode === "progressing",
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
  const completed = mode === "healthy";
  conditions = setCondition(
    conditions,
    {
      type: "Completed",
      status: completed ? "True" : "False",
      reason: completed ? "RolloutCompleted" : "RolloutNotCompleted",
      message: completed ? "Rollout completed update to revision" : "Rollout not completed",
    },
    now,
  );
  return conditions;
}
