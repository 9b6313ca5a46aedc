// The canary strategy as an xstate v5 machine used as a pure decision function (DESIGN.md §5, §8).
// Its context is the Rollout's status seen as data (rebuilt from the peer's status fields on every
// reconcile, see canary.state.ts); RECONCILE carries what was observed and `now`; user commands
// (promote, promote full, abort, retry) are events with exactly the effect the user's status patch
// has. No timers, invocations or spawned actors: a timed pause is a deadline the reconciler
// requeues for. Named actions are one-shot notices (Events); everything else the reconciler does
// is derived from the resulting state (canaryWeight) and applied idempotently.
import { and, assign, setup } from "xstate";
import type { CanaryContext, CanaryEvent, CanaryStepSpec, Notice, RunPhase } from "./canary.types.ts";
import {
  abortOnRequest,
  freshAttempt,
  notice,
  pauseOnRequest,
  promoteFullFromAbort,
  restartOnNewTemplate,
  restingState,
  sharedGuards,
  skipStepsRows,
} from "./rows.ts";

export const CANARY_MACHINE_VERSION = 1;

export type {
  CanaryContext,
  CanaryEvent,
  CanaryStepSpec,
  ControllerPauseReason,
  Notice,
  ReconcileEvent,
  RunPhase,
  UserEvent,
} from "./canary.types.ts";

const stepAt = (c: CanaryContext): CanaryStepSpec | undefined => c.steps[c.stepIndex];

/**
 * Background analysis judges an update from startingStep until it is fully promoted (as the peer:
 * through the final scale-up too); never a first deploy, a rollback to stable or a promote-full.
 */
export const backgroundActive = (c: CanaryContext): boolean =>
  c.backgroundFrom !== undefined &&
  c.stepIndex >= c.backgroundFrom &&
  !c.promoteFull &&
  c.stableHash !== undefined &&
  c.currentHash !== c.stableHash;

const failed = (phase: RunPhase | undefined) => phase === "Failed" || phase === "Error";

/** A Failed or Error analysis (step or background) aborts, as the user's abort would. */
const abortOnFailedAnalysis = {
  guard: "analysisFailed",
  target: "aborted",
  actions: ["markAborted", notice("RolloutAborted")],
} as const;

/** The same where the update may be a first deploy, which has nothing to go back to. */
const abortOnFailedAnalysisWithStable = {
  ...abortOnFailedAnalysis,
  guard: and(["analysisFailed", "hasStable"]),
} as const;

/** Edited steps (same template) start the update over at step 0, as the peer. */
const restartOnNewSteps = {
  guard: "stepsChanged",
  target: "routing",
  actions: ["restartSteps", notice("RolloutUpdated")],
} as const;

/** Inconclusive analysis pauses until a person promotes (or aborts). */
const pauseOnInconclusiveAnalysis = {
  guard: "analysisInconclusive",
  target: "pausedStep",
  actions: ["addInconclusivePause", notice("RolloutPaused")],
} as const;

/** The user's abort, where the update may be a first deploy (which has nothing to go back to). */
const abortOnRequestWithStable = {
  guard: and(["aborting", "hasStable"]),
  target: "aborted",
  actions: ["markAborted", notice("RolloutAborted")],
} as const;

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
    resetForTemplate: assign(({ context, event }) => ({
      ...freshAttempt(context),
      currentHash: event.type === "RECONCILE" ? event.templateHash : undefined,
      stepIndex: 0,
      backgroundRestarts: 0,
    })),
    /** The steps were edited mid-update: start them over at step 0 with fresh runs, as the peer. */
    restartSteps: assign(({ context, event }) => ({
      ...freshAttempt(context),
      stepsHash: event.type === "RECONCILE" ? event.stepsHash : context.stepsHash,
      stepIndex: 0,
      backgroundRestarts: 0,
    })),
    /** The steps were edited at rest: all of them count as done. */
    recordSteps: assign(({ context, event }) => ({
      stepsHash: event.type === "RECONCILE" ? event.stepsHash : context.stepsHash,
      stepIndex: context.steps.length,
    })),
    advance: assign(({ context }) => ({
      stepIndex: context.stepIndex + 1,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
    })),
    addPause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      pauseReason: "CanaryPauseStep" as const,
      controllerPause: true,
    })),
    addInconclusivePause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      pauseReason: "InconclusiveAnalysisRun" as const,
      controllerPause: true,
    })),
    /**
     * The user cleared a pause (and only the pause: the peer's CLI moves an undecided step on by
     * patching currentStepIndex itself, handled by the pauseNotAdded row). A pause step is done; an
     * Inconclusive analysis — the step's or the background's — starts again as a fresh run at
     * this step, as the peer's needsNewAnalysisRun: never a pass without a passing analysis.
     */
    resume: assign(({ context, event }) => {
      const step = stepAt(context);
      const reconcile = event.type === "RECONCILE" ? event : undefined;
      const backgroundUndecided =
        backgroundActive(context) && reconcile?.backgroundAnalysis === "Inconclusive";
      const stepUndecided = step?.kind === "analysis" && reconcile?.stepAnalysis === "Inconclusive";
      const advance = step?.kind === "pause" || (!stepUndecided && !backgroundUndecided);
      return {
        stepIndex: Math.min(context.stepIndex + (advance ? 1 : 0), context.steps.length),
        runRestarts: context.runRestarts + (stepUndecided ? 1 : 0),
        backgroundRestarts: context.backgroundRestarts + (backgroundUndecided ? 1 : 0),
        pausedSince: undefined,
        pauseReason: undefined,
        controllerPause: false,
      };
    }),
    clearPause: assign({ pausedSince: undefined, pauseReason: undefined }),
    /** As the peer: an aborted update is back at step 0 (a retry walks the steps again). */
    markAborted: assign(({ context, event }) => ({
      abort: true,
      // A promote --full that was pending is dropped: only one given after the abort promotes.
      promoteFull: false,
      stepIndex: 0,
      abortedAt: context.abortedAt ?? ("now" in event ? event.now : undefined),
      pausedSince: undefined,
      pauseReason: undefined,
    })),
    /** Promote full after an abort: a new round, so no run of the aborted attempt is judged again. */
    clearAbort: assign(({ context }) => ({
      abort: false,
      abortedAt: undefined,
      analysisRound: context.analysisRound + 1,
      runRestarts: 0,
    })),
    retry: assign(({ context }) => ({
      abort: false,
      abortedAt: undefined,
      stepIndex: 0,
      analysisRound: context.analysisRound + 1,
      runRestarts: 0,
      backgroundRestarts: 0,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
    })),
    requestPromoteFull: assign({ promoteFull: true }),
    promoteStable: assign(({ context }) => ({
      stableHash: context.currentHash,
      stepIndex: context.steps.length,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
      promoteFull: false,
    })),
  },
  guards: {
    ...sharedGuards,
    stepsDone: ({ context }) => context.stepIndex >= context.steps.length,
    stepsChanged: ({ context, event }) =>
      event.type === "RECONCILE" &&
      event.stepsHash !== undefined &&
      context.stepsHash !== undefined &&
      event.stepsHash !== context.stepsHash,
    onPauseStep: ({ context }) => stepAt(context)?.kind === "pause",
    // A weight step is done when the pods are; an analysis step only by its run's verdict; a
    // route step at once (as the peer's completedCurrentCanaryStep).
    canaryAtTarget: ({ context, event }) =>
      event.type === "RECONCILE" &&
      (stepAt(context)?.kind === "route" || (event.canaryAtTarget && stepAt(context)?.kind !== "analysis")),
    analysisPassed: ({ context, event }) =>
      stepAt(context)?.kind === "analysis" &&
      event.type === "RECONCILE" &&
      event.stepAnalysis === "Successful",
    analysisFailed: ({ context, event }) =>
      event.type === "RECONCILE" &&
      ((stepAt(context)?.kind === "analysis" && failed(event.stepAnalysis)) ||
        (backgroundActive(context) && failed(event.backgroundAnalysis))),
    analysisInconclusive: ({ context, event }) =>
      event.type === "RECONCILE" &&
      ((stepAt(context)?.kind === "analysis" && event.stepAnalysis === "Inconclusive") ||
        (backgroundActive(context) && event.backgroundAnalysis === "Inconclusive")),
    /** Background analysis turned Inconclusive while a pause step was already pausing. */
    backgroundUndecidedInPause: ({ context, event }) =>
      event.type === "RECONCILE" &&
      backgroundActive(context) &&
      event.backgroundAnalysis === "Inconclusive" &&
      context.pausedSince !== undefined &&
      context.pauseReason !== "InconclusiveAnalysisRun",
    pauseExpired: ({ context, event }) => {
      const step = stepAt(context);
      if (
        step?.kind !== "pause" ||
        step.durationMs === undefined ||
        context.pausedSince === undefined ||
        context.pauseReason === "InconclusiveAnalysisRun"
      )
        return false;
      return event.type === "RECONCILE" && event.now >= context.pausedSince + step.durationMs;
    },
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
        RECONCILE: [...restingState.on.RECONCILE, { guard: "stepsChanged", actions: "recordSteps" }],
      },
    },
    /** Decides where a fresh update (or a resumed one) continues; left at once. */
    routing: {
      always: [
        ...skipStepsRows,
        abortOnRequest,
        { guard: "promoteFull", target: "promoting" },
        { guard: "stepsDone", target: "promoting" },
        { guard: "onPauseStep", target: "pausedStep" },
        { target: "stepping" },
      ],
    },
    stepping: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          restartOnNewSteps,
          abortOnRequest,
          { guard: "promoteFull", target: "promoting" },
          pauseOnRequest,
          // A bad verdict wins over progress made in the same look.
          // Failed or Error analysis aborts, as the user's abort would.
          abortOnFailedAnalysis,
          pauseOnInconclusiveAnalysis,
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
        ],
      },
    },
    pausedStep: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          restartOnNewSteps,
          abortOnRequest,
          { guard: "promoteFull", target: "promoting", actions: "clearPause" },
          pauseOnRequest,
          abortOnFailedAnalysis,
          { guard: and(["pauseNotAdded", "onPauseStep"]), actions: "addPause" },
          // No pause left, and the controller did not put one: the user's promote moved the step
          // on (the peer's CLI patches currentStepIndex); carry on from there, pausing only on a
          // pause step.
          { guard: "pauseNotAdded", target: "routing" },
          { guard: "backgroundUndecidedInPause", actions: "addInconclusivePause" },
          { guard: "userResumed", target: "routing", actions: ["resume", notice("RolloutResumed")] },
          { guard: "pauseExpired", target: "routing", actions: ["advance", notice("RolloutStepCompleted")] },
        ],
      },
    },
    userPaused: {
      on: {
        RECONCILE: [
          { guard: "newTemplate", actions: ["resetForTemplate", notice("RolloutUpdated")] },
          { guard: "stepsChanged", actions: ["restartSteps", notice("RolloutUpdated")] },
          abortOnRequestWithStable,
          // The analysis keeps judging while the user holds the rollout.
          abortOnFailedAnalysisWithStable,
          { guard: "notUserPaused", target: "routing", actions: notice("RolloutResumed") },
        ],
      },
    },
    promoting: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          restartOnNewSteps,
          abortOnRequestWithStable,
          pauseOnRequest,
          // Background analysis still judges the final scale-up; its verdict wins over promotion.
          abortOnFailedAnalysisWithStable,
          pauseOnInconclusiveAnalysis,
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
          restartOnNewTemplate,
          restartOnNewSteps,
          promoteFullFromAbort,
          { guard: "retried", target: "routing", actions: ["retry", notice("RolloutRetry")] },
        ],
      },
    },
  },
});

export type CanaryStateValue = "healthy" | "stepping" | "pausedStep" | "userPaused" | "promoting" | "aborted";
