// The canary strategy as an xstate v5 machine used as a pure decision function (DESIGN.md §5, §8).
// Its context is the Rollout's status seen as data (rebuilt from the peer's status fields on every
// reconcile, see canary.state.ts); RECONCILE carries what was observed and `now`; user commands
// (promote, promote full, abort, retry) are events with exactly the effect the user's status patch
// has. No timers, invocations or spawned actors: a timed pause is a deadline the reconciler
// requeues for. Named actions are one-shot notices (Events); everything else the reconciler does
// is derived from the resulting state (canaryWeight) and applied idempotently.
import { and, assign, setup } from "xstate";

export const CANARY_MACHINE_VERSION = 1;

export type CanaryStepSpec =
  | { kind: "setWeight"; weight: number }
  | { kind: "pause"; durationMs?: number }
  | { kind: "setCanaryScale" }
  | { kind: "analysis" };

export interface CanaryContext {
  steps: CanaryStepSpec[];
  /** status.currentStepIndex */
  stepIndex: number;
  /** startTime of the CanaryPauseStep pause condition, when there is one. */
  pausedSince?: number | undefined;
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
  stepAnalysis?: "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive" | undefined;
  /** The new ReplicaSet has spec.replicas available pods. */
  newFullyAvailable: boolean;
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

const stepAt = (c: CanaryContext): CanaryStepSpec | undefined => c.steps[c.stepIndex];

const notice = (type: Notice) => ({ type: "notice" as const, params: { notice: type } });

export const canaryMachine = setup({
  types: {
    context: {} as CanaryContext,
    events: {} as CanaryEvent,
    input: {} as CanaryContext,
  },
  actions: {
    // Executed by the reconciler (an Event on the Rollout); params name which.
    notice: (_, _params: { notice: Notice }) => undefined,
    /** A new template resets the update: step 0, no pause, no abort, no promote-full. */
    resetForTemplate: assign(({ event }) => ({
      currentHash: event.type === "RECONCILE" ? event.templateHash : undefined,
      stepIndex: 0,
      pausedSince: undefined,
      controllerPause: false,
      abort: false,
      abortedAt: undefined,
      promoteFull: false,
    })),
    advance: assign(({ context }) => ({
      stepIndex: context.stepIndex + 1,
      pausedSince: undefined,
      controllerPause: false,
    })),
    addPause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      controllerPause: true,
    })),
    clearPause: assign({ pausedSince: undefined }),
    markAborted: assign(({ context, event }) => ({
      abort: true,
      abortedAt: context.abortedAt ?? ("now" in event ? event.now : undefined),
      pausedSince: undefined,
    })),
    retry: assign({
      abort: false,
      abortedAt: undefined,
      stepIndex: 0,
      pausedSince: undefined,
      controllerPause: false,
    }),
    requestPromoteFull: assign({ promoteFull: true }),
    promoteStable: assign(({ context }) => ({
      stableHash: context.currentHash,
      stepIndex: context.steps.length,
      pausedSince: undefined,
      controllerPause: false,
      promoteFull: false,
    })),
  },
  guards: {
    newTemplate: ({ context, event }) =>
      event.type === "RECONCILE" && event.templateHash !== context.currentHash,
    firstDeploy: ({ context }) => context.stableHash === undefined,
    rollbackToStable: ({ context }) => context.currentHash === context.stableHash,
    aborting: ({ context }) => context.abort,
    userPaused: ({ event }) => event.type === "RECONCILE" && event.userPaused,
    notUserPaused: ({ event }) => event.type === "RECONCILE" && !event.userPaused,
    promoteFull: ({ context }) => context.promoteFull,
    stepsDone: ({ context }) => context.stepIndex >= context.steps.length,
    onPauseStep: ({ context }) => stepAt(context)?.kind === "pause",
    // A weight step is done when the pods are; an analysis step only by its run's verdict.
    canaryAtTarget: ({ context, event }) =>
      event.type === "RECONCILE" && event.canaryAtTarget && stepAt(context)?.kind !== "analysis",
    analysisPassed: ({ context, event }) =>
      stepAt(context)?.kind === "analysis" &&
      event.type === "RECONCILE" &&
      event.stepAnalysis === "Successful",
    analysisFailed: ({ context, event }) =>
      stepAt(context)?.kind === "analysis" &&
      event.type === "RECONCILE" &&
      (event.stepAnalysis === "Failed" || event.stepAnalysis === "Error"),
    analysisInconclusive: ({ context, event }) =>
      stepAt(context)?.kind === "analysis" &&
      event.type === "RECONCILE" &&
      event.stepAnalysis === "Inconclusive",
    newFullyAvailable: ({ event }) => event.type === "RECONCILE" && event.newFullyAvailable,
    pauseNotAdded: ({ context }) => context.pausedSince === undefined && !context.controllerPause,
    userResumed: ({ context }) => context.pausedSince === undefined && context.controllerPause,
    pauseExpired: ({ context, event }) => {
      const step = stepAt(context);
      if (step?.kind !== "pause" || step.durationMs === undefined || context.pausedSince === undefined)
        return false;
      return event.type === "RECONCILE" && event.now >= context.pausedSince + step.durationMs;
    },
    retried: ({ context }) => !context.abort,
    hasStable: ({ context }) => context.stableHash !== undefined,
  },
}).createMachine({
  id: "canary",
  context: ({ input }) => input,
  initial: "healthy",
  // The user's status patches, in any state.
  on: {
    PROMOTE: { actions: "clearPause" },
    PROMOTE_FULL: { actions: assign({ promoteFull: true }) },
    ABORT: { actions: assign({ abort: true }) },
    RETRY: { actions: assign({ abort: false }) },
  },
  states: {
    healthy: {
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
        ],
      },
    },
    /** Decides where a fresh update (or a resumed one) continues; left at once. */
    routing: {
      always: [
        // First deploy and rolling back to the stable template skip the steps.
        { guard: "firstDeploy", target: "promoting", actions: notice("SkipSteps") },
        { guard: "rollbackToStable", target: "promoting", actions: notice("SkipSteps") },
        { guard: "aborting", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
        { guard: "promoteFull", target: "promoting" },
        { guard: "stepsDone", target: "promoting" },
        { guard: "onPauseStep", target: "pausedStep" },
        { target: "stepping" },
      ],
    },
    stepping: {
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
          { guard: "aborting", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
          { guard: "promoteFull", target: "promoting" },
          { guard: "userPaused", target: "userPaused", actions: notice("RolloutPaused") },
          {
            guard: "canaryAtTarget",
            target: "routing",
            actions: ["advance", notice("RolloutStepCompleted")],
          },
          {
            guard: "analysisPassed",
            target: "routing",
            actions: ["advance", notice("RolloutStepCompleted")],
          },
          // Failed or Error analysis aborts, as the user's abort would.
          {
            guard: "analysisFailed",
            target: "aborted",
            actions: [assign({ abort: true }), "markAborted", notice("RolloutAborted")],
          },
          // Inconclusive pauses until a person promotes (or aborts).
          {
            guard: "analysisInconclusive",
            target: "pausedStep",
            actions: ["addPause", notice("RolloutPaused")],
          },
        ],
      },
    },
    pausedStep: {
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
          { guard: "aborting", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
          { guard: "promoteFull", target: "promoting", actions: "clearPause" },
          { guard: "userPaused", target: "userPaused", actions: notice("RolloutPaused") },
          { guard: "pauseNotAdded", actions: "addPause" },
          { guard: "userResumed", target: "routing", actions: ["advance", notice("RolloutResumed")] },
          { guard: "pauseExpired", target: "routing", actions: ["advance", notice("RolloutStepCompleted")] },
        ],
      },
    },
    userPaused: {
      on: {
        RECONCILE: [
          { guard: "newTemplate", actions: ["resetForTemplate", notice("RolloutUpdated")] },
          {
            guard: and(["aborting", "hasStable"]),
            target: "aborted",
            actions: ["markAborted", notice("RolloutAborted")],
          },
          { guard: "notUserPaused", target: "routing", actions: notice("RolloutResumed") },
        ],
      },
    },
    promoting: {
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
          // Aborting the first deploy has nothing to go back to.
          {
            guard: and(["aborting", "hasStable"]),
            target: "aborted",
            actions: ["markAborted", notice("RolloutAborted")],
          },
          { guard: "userPaused", target: "userPaused", actions: notice("RolloutPaused") },
          {
            guard: "newFullyAvailable",
            target: "healthy",
            actions: ["promoteStable", notice("RolloutCompleted")],
          },
        ],
      },
    },
    aborted: {
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
          { guard: "retried", target: "routing", actions: ["retry", notice("RolloutRetry")] },
        ],
      },
    },
  },
});

export type CanaryStateValue = "healthy" | "stepping" | "pausedStep" | "userPaused" | "promoting" | "aborted";

/** The setWeight in force: the last one at or before the current step; 100 once steps are done. */
export function currentSetWeight(context: CanaryContext): number {
  if (context.stepIndex >= context.steps.length) return 100;
  for (let i = Math.min(context.stepIndex, context.steps.length - 1); i >= 0; i--) {
    const step = context.steps[i];
    if (step?.kind === "setWeight") return step.weight;
  }
  return 0;
}

/** The canary weight the world should have in `state` (level-triggered: recomputed every reconcile). */
export function canaryWeight(state: CanaryStateValue, context: CanaryContext): number {
  switch (state) {
    case "healthy":
    case "promoting":
      return 100;
    case "aborted":
      return 0;
    default:
      return currentSetWeight(context);
  }
}

/** When a timed pause ends (for requeueAfter), or undefined. */
export function pauseDeadline(state: CanaryStateValue, context: CanaryContext): number | undefined {
  const step = context.steps[context.stepIndex];
  if (state !== "pausedStep" || step?.kind !== "pause" || step.durationMs === undefined) return undefined;
  return context.pausedSince === undefined ? undefined : context.pausedSince + step.durationMs;
}
