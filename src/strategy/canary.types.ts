// The canary machine's context and events (canary.machine.ts): the Rollout's status seen as data,
// and what one reconcile observed.

export type RunPhase = "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive";

/** Why the controller paused: a pause step, or an analysis that could not decide. */
export type ControllerPauseReason = "CanaryPauseStep" | "InconclusiveAnalysisRun";

export type CanaryStepSpec =
  | { kind: "setWeight"; weight: number }
  | { kind: "pause"; durationMs?: number }
  | { kind: "setCanaryScale" }
  | { kind: "analysis" }
  /** setHeaderRoute / setMirrorRoute: done as soon as reached (the routers apply it). */
  | { kind: "route" };

export interface CanaryContext {
  steps: CanaryStepSpec[];
  /** status.currentStepIndex */
  stepIndex: number;
  /** startTime of the controller's pause condition, when there is one. */
  pausedSince?: number | undefined;
  /** Reason of that pause condition. */
  pauseReason?: ControllerPauseReason | undefined;
  /**
   * status.sluice.analysisRound: part of every AnalysisRun name, moved on by each new template and
   * retry, so each attempt gets fresh runs while a restarted controller finds the runs of the
   * attempt in progress by name.
   */
  analysisRound: number;
  /** status.sluice.runRestarts (see SharedContext): the step run's restarts in this round. */
  runRestarts: number;
  /**
   * status.sluice.backgroundRestarts: how often a person resumed an Inconclusive background
   * analysis in this round; part of the background run's name, so the resumed analysis is a fresh
   * run while the current step's run carries on.
   */
  backgroundRestarts: number;
  /** spec.strategy.canary.analysis.startingStep when background analysis is configured. */
  backgroundFrom?: number | undefined;
  /** status.controllerPause: the controller paused; with no pause condition left, the user resumed. */
  controllerPause: boolean;
  /** status.abort and status.abortedAt */
  abort: boolean;
  abortedAt?: number | undefined;
  /** status.promoteFull */
  promoteFull: boolean;
  /** status.stableRS: hash of the promoted template (undefined before the first deploy). */
  stableHash?: string | undefined;
  /** status.currentPodHash: hash of the template this update is rolling out. */
  currentHash?: string | undefined;
  /** status.currentStepHash: hash of the steps this update walks (undefined: not recorded yet). */
  stepsHash?: string | undefined;
}

export interface ReconcileEvent {
  type: "RECONCILE";
  now: number;
  /** Pod-template hash of spec.template now. */
  templateHash: string;
  /** spec.paused */
  userPaused: boolean;
  /** The ReplicaSets are at the split of the current step and every canary pod is available. */
  canaryAtTarget: boolean;
  /** Phase of the current analysis step's AnalysisRun (undefined: none yet). */
  stepAnalysis?: RunPhase | undefined;
  /** Phase of the background AnalysisRun of this attempt (undefined: none yet). */
  backgroundAnalysis?: RunPhase | undefined;
  /** The new ReplicaSet has spec.replicas available pods. */
  newFullyAvailable: boolean;
  /** Hash of spec.strategy.canary.steps now. */
  stepsHash?: string | undefined;
}

/**
 * User commands, with exactly the effect of the user's status patch (DESIGN.md §8): they only
 * change the context; the controller acts on them at the next RECONCILE. In production the
 * patch itself arrives as a changed status, from which the context is rebuilt.
 */
export type UserEvent =
  | { type: "PROMOTE" }
  | { type: "PROMOTE_FULL" }
  | { type: "ABORT" }
  | { type: "RETRY" };

export type CanaryEvent = ReconcileEvent | UserEvent;

export type Notice =
  | "RolloutUpdated"
  | "SkipSteps"
  | "RolloutStepCompleted"
  | "RolloutPaused"
  | "RolloutResumed"
  | "RolloutAborted"
  | "RolloutRetry"
  | "RolloutCompleted";
