// The blue/green strategy as an xstate v5 machine used as a pure decision function, like the
// canary (canary.machine.ts): context is the status seen as data, RECONCILE carries observations
// and `now`, user commands change only the context. The new ReplicaSet runs as the preview; the
// active Service switches to it only on promotion (automatic, after autoPromotionSeconds, or by
// the user), and only once all its pods are available. Pre-promotion analysis must pass before
// that (pause or promotion); post-promotion analysis runs after the switch, and only its success
// makes the new ReplicaSet stable (its failure switches the active Service back).
import { and, assign, setup } from "xstate";
import type { Notice, RunPhase, UserEvent } from "./canary.machine.ts";
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

export const BLUEGREEN_MACHINE_VERSION = 1;

export interface BlueGreenContext {
  /** status.stableRS: the template the active Service serves. */
  stableHash?: string | undefined;
  /** status.currentPodHash */
  currentHash?: string | undefined;
  /** startTime of the controller's pause condition (BlueGreenPause or InconclusiveAnalysisRun). */
  pausedSince?: number | undefined;
  pauseReason?: "BlueGreenPause" | "InconclusiveAnalysisRun" | undefined;
  /** See CanaryContext.analysisRound and SharedContext.runRestarts. */
  analysisRound: number;
  runRestarts: number;
  /** spec: prePromotionAnalysis / postPromotionAnalysis are set. */
  preAnalysis: boolean;
  postAnalysis: boolean;
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: number | undefined;
  promoteFull: boolean;
  /**
   * status.blueGreen.scaleUpPreviewCheckPoint (the peer's field): the update was promoted and the
   * preview is being scaled up to full, so a pause and resume returns to promoting, not preview.
   */
  promoted: boolean;
  /** spec: false means a person promotes. */
  autoPromotionEnabled: boolean;
  /** spec.autoPromotionSeconds in ms: promote this long after the preview is ready. */
  autoPromotionMs?: number | undefined;
}

export interface BlueGreenReconcile {
  type: "RECONCILE";
  now: number;
  templateHash: string;
  userPaused: boolean;
  /** The new ReplicaSet has its preview size and every pod is available. */
  previewReady: boolean;
  /** The new ReplicaSet has spec.replicas available pods. */
  newFullyAvailable: boolean;
  /**
   * The template is a previous active version whose ReplicaSet is still within its scale-down
   * delay and fully available: going back to it is fast-tracked, as the peer (no preview, pause
   * or analysis; it serves again at once).
   */
  fastRollback?: boolean | undefined;
  /** Phases of this round's pre- and post-promotion AnalysisRuns (undefined: none yet). */
  preAnalysis?: RunPhase | undefined;
  postAnalysis?: RunPhase | undefined;
}

export type BlueGreenEvent = BlueGreenReconcile | UserEvent;

const phaseOf = (event: BlueGreenEvent, which: "preAnalysis" | "postAnalysis") =>
  event.type === "RECONCILE" ? event[which] : undefined;
const failed = (phase: RunPhase | undefined) => phase === "Failed" || phase === "Error";

export const blueGreenMachine = setup({
  types: { context: {} as BlueGreenContext, events: {} as BlueGreenEvent, input: {} as BlueGreenContext },
  actions: {
    notice: (_, _params: { notice: Notice }) => undefined,
    resetForTemplate: assign(({ context, event }) => ({
      ...freshAttempt(context),
      currentHash: event.type === "RECONCILE" ? event.templateHash : undefined,
      promoted: false,
    })),
    addPause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      pauseReason: "BlueGreenPause" as const,
      controllerPause: true,
    })),
    addInconclusivePause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      pauseReason: "InconclusiveAnalysisRun" as const,
      controllerPause: true,
    })),
    clearPause: assign({ pausedSince: undefined, pauseReason: undefined, controllerPause: false }),
    /** A person resumed an Inconclusive analysis: it is measured again by a fresh run. */
    restartRun: assign(({ context }) => ({
      runRestarts: context.runRestarts + 1,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
    })),
    markAborted: assign(({ context, event }) => ({
      abort: true,
      // A promote --full that was pending is dropped: only one given after the abort promotes.
      promoteFull: false,
      abortedAt: context.abortedAt ?? (event.type === "RECONCILE" ? event.now : undefined),
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
      promoted: false,
    })),
    /** Promote full after an abort: a new round, so no run of the aborted attempt is judged again. */
    clearAbort: assign(({ context }) => ({
      abort: false,
      abortedAt: undefined,
      analysisRound: context.analysisRound + 1,
      runRestarts: 0,
    })),
    retry: assign(({ context }) => ({
      abortedAt: undefined,
      promoted: false,
      analysisRound: context.analysisRound + 1,
      runRestarts: 0,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
    })),
    promoteStable: assign(({ context }) => ({
      stableHash: context.currentHash,
      pausedSince: undefined,
      pauseReason: undefined,
      controllerPause: false,
      promoteFull: false,
      promoted: false,
    })),
  },
  guards: {
    ...sharedGuards,
    promoted: ({ context }) => context.promoted,
    fastRollback: ({ event }) => event.type === "RECONCILE" && event.fastRollback === true,
    previewReady: ({ event }) => event.type === "RECONCILE" && event.previewReady,
    promotesItself: ({ context }) => context.autoPromotionEnabled && !context.autoPromotionMs,
    prePassed: ({ context, event }) => !context.preAnalysis || phaseOf(event, "preAnalysis") === "Successful",
    preFailed: ({ context, event }) => context.preAnalysis && failed(phaseOf(event, "preAnalysis")),
    preInconclusive: ({ context, event }) =>
      context.preAnalysis && phaseOf(event, "preAnalysis") === "Inconclusive",
    /** Post-promotion analysis judges real updates (not a first deploy, rollback or promote-full). */
    needsPostAnalysis: ({ context }) =>
      context.postAnalysis &&
      context.stableHash !== undefined &&
      context.stableHash !== context.currentHash &&
      !context.promoteFull,
    postPassed: ({ event }) => phaseOf(event, "postAnalysis") === "Successful",
    postFailed: ({ event }) => failed(phaseOf(event, "postAnalysis")),
    postInconclusive: ({ event }) => phaseOf(event, "postAnalysis") === "Inconclusive",
    autoPromotionDue: ({ context, event }) =>
      event.type === "RECONCILE" &&
      context.pauseReason !== "InconclusiveAnalysisRun" &&
      context.autoPromotionEnabled &&
      context.autoPromotionMs !== undefined &&
      context.pausedSince !== undefined &&
      event.now >= context.pausedSince + context.autoPromotionMs,
  },
}).createMachine({
  id: "blueGreen",
  context: ({ input }) => input,
  initial: "healthy",
  on: {
    PROMOTE: { actions: assign({ pausedSince: undefined }) },
    PROMOTE_FULL: { actions: assign({ promoteFull: true }) },
    ABORT: { actions: assign({ abort: true }) },
    RETRY: { actions: assign({ abort: false }) },
  },
  states: {
    healthy: restingState,
    routing: {
      always: [
        ...skipStepsRows,
        {
          guard: "fastRollback",
          target: "healthy",
          actions: ["promoteStable", notice("SkipSteps")],
        },
        abortOnRequest,
        // Resumed after a pause taken while promoting: carry on promoting.
        { guard: "promoted", target: "promoting" },
        { guard: "promoteFull", target: "promoting" },
        { target: "preview" },
      ],
    },
    preview: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          abortOnRequest,
          { guard: "promoteFull", target: "promoting" },
          pauseOnRequest,
          { guard: "preFailed", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
          {
            guard: "preInconclusive",
            target: "paused",
            actions: ["addInconclusivePause", notice("RolloutPaused")],
          },
          { guard: and(["previewReady", "prePassed", "promotesItself"]), target: "promoting" },
          {
            guard: and(["previewReady", "prePassed"]),
            target: "paused",
            actions: ["addPause", notice("RolloutPaused")],
          },
        ],
      },
    },
    paused: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          abortOnRequest,
          { guard: "promoteFull", target: "promoting", actions: "clearPause" },
          pauseOnRequest,
          { guard: "pauseNotAdded", actions: "addPause" },
          // Resuming an undecided pre-promotion analysis runs it again; it must pass to promote.
          {
            guard: and(["userResumed", "preInconclusive"]),
            target: "preview",
            actions: ["restartRun", notice("RolloutResumed")],
          },
          { guard: "userResumed", target: "promoting", actions: ["clearPause", notice("RolloutResumed")] },
          {
            guard: "autoPromotionDue",
            target: "promoting",
            actions: ["clearPause", notice("RolloutResumed")],
          },
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
      entry: assign({ promoted: true }),
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          {
            guard: and(["aborting", "hasStable"]),
            target: "aborted",
            actions: ["markAborted", notice("RolloutAborted")],
          },
          pauseOnRequest,
          // The active Service switches now; the new ReplicaSet is stable once the analysis passes.
          { guard: and(["newFullyAvailable", "needsPostAnalysis"]), target: "postPromotion" },
          {
            guard: "newFullyAvailable",
            target: "healthy",
            actions: ["promoteStable", notice("RolloutCompleted")],
          },
        ],
      },
    },
    /** Serving the new version; the previous one stays scaled up until the analysis passes. */
    postPromotion: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          abortOnRequest,
          // promote --full: the person's word stands in for the analysis (the peer cancels it).
          { guard: "promoteFull", target: "healthy", actions: ["promoteStable", notice("RolloutCompleted")] },
          { guard: "postFailed", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
          { guard: "postPassed", target: "healthy", actions: ["promoteStable", notice("RolloutCompleted")] },
          {
            guard: and(["postInconclusive", "pauseNotAdded"]),
            actions: ["addInconclusivePause", notice("RolloutPaused")],
          },
          // A person resumed the undecided analysis: it runs again; only its pass makes the new
          // version stable (promote --full is the way past it).
          {
            guard: and(["postInconclusive", "userResumed"]),
            actions: ["restartRun", notice("RolloutResumed")],
          },
        ],
      },
    },
    aborted: {
      on: {
        RECONCILE: [
          restartOnNewTemplate,
          promoteFullFromAbort,
          { guard: "retried", target: "routing", actions: ["retry", notice("RolloutRetry")] },
        ],
      },
    },
  },
});

export type BlueGreenStateValue =
  | "healthy"
  | "preview"
  | "paused"
  | "userPaused"
  | "promoting"
  | "postPromotion"
  | "aborted";
