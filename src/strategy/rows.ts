// Transition rows both strategy machines share, by the guard and action names both define (a new
// pod template restarts the update, the user's abort aborts, the user's pause pauses), and the
// guards that mean the same in both.
import type { Notice } from "./canary.machine.ts";

/** An Event the reconciler records (a named action whose params say which). */
export const notice = (type: Notice) => ({ type: "notice" as const, params: { notice: type } });

export const restartOnNewTemplate = {
  guard: "newTemplate",
  target: "routing",
  actions: ["resetForTemplate", notice("RolloutUpdated")],
} as const;

export const abortOnRequest = {
  guard: "aborting",
  target: "aborted",
  actions: ["markAborted", notice("RolloutAborted")],
} as const;

export const pauseOnRequest = {
  guard: "userPaused",
  target: "userPaused",
  actions: notice("RolloutPaused"),
} as const;

/**
 * `promote --full` on an aborted update clears the abort and promotes the new version fully, as
 * the peer does (a retry would walk the steps again instead).
 */
export const promoteFullFromAbort = {
  guard: "promoteFull",
  target: "promoting",
  actions: ["clearAbort", notice("RolloutResumed")],
} as const;

/**
 * The context of a fresh attempt at an update (a new template, edited steps): a new analysis
 * round, no pause, abort or promote-full carried over.
 */
export const freshAttempt = (context: { analysisRound: number }) => ({
  analysisRound: context.analysisRound + 1,
  runRestarts: 0,
  pausedSince: undefined,
  pauseReason: undefined,
  controllerPause: false,
  abort: false,
  abortedAt: undefined,
  promoteFull: false,
});

/** At rest: only a new pod template starts something. */
export const restingState = { on: { RECONCILE: [restartOnNewTemplate] } } as const;

/**
 * First deploy and going back to the stable template skip the steps (as the peer). A first deploy
 * is stable at once, whether or not its pods get ready (the peer's "Initial deploy" promotion), so
 * a second revision never mistakes itself for a first deploy and skips its steps.
 */
export const skipStepsRows = [
  { guard: "firstDeploy", target: "healthy", actions: ["promoteStable", notice("SkipSteps")] },
  { guard: "rollbackToStable", target: "promoting", actions: notice("SkipSteps") },
] as const;

/** The context fields the shared guards read (both machines' contexts have them). */
interface GuardContext {
  stableHash?: string | undefined;
  currentHash?: string | undefined;
  pausedSince?: number | undefined;
  controllerPause: boolean;
  abort: boolean;
  promoteFull: boolean;
}

/** What both machines' RECONCILE events carry. */
interface ReconcileFacts {
  type: "RECONCILE";
  templateHash: string;
  userPaused: boolean;
  newFullyAvailable: boolean;
}

const observed = (event: { type: string }): ReconcileFacts | undefined =>
  event.type === "RECONCILE" ? (event as ReconcileFacts) : undefined;

type GuardArgs = { context: GuardContext; event: { type: string } };

/** Guards with one meaning in both machines, by the names their rows use. */
export const sharedGuards = {
  newTemplate: ({ context, event }: GuardArgs) => {
    const facts = observed(event);
    return facts !== undefined && facts.templateHash !== context.currentHash;
  },
  firstDeploy: ({ context }: GuardArgs) => context.stableHash === undefined,
  rollbackToStable: ({ context }: GuardArgs) => context.currentHash === context.stableHash,
  aborting: ({ context }: GuardArgs) => context.abort,
  retried: ({ context }: GuardArgs) => !context.abort,
  hasStable: ({ context }: GuardArgs) => context.stableHash !== undefined,
  promoteFull: ({ context }: GuardArgs) => context.promoteFull,
  userPaused: ({ event }: GuardArgs) => observed(event)?.userPaused === true,
  notUserPaused: ({ event }: GuardArgs) => observed(event)?.userPaused === false,
  newFullyAvailable: ({ event }: GuardArgs) => observed(event)?.newFullyAvailable === true,
  /** No controller pause in place, and none taken away by the user either. */
  pauseNotAdded: ({ context }: GuardArgs) => context.pausedSince === undefined && !context.controllerPause,
  /** The controller paused and the pause condition is gone: the user resumed. */
  userResumed: ({ context }: GuardArgs) => context.pausedSince === undefined && context.controllerPause,
};
