// The blue/green strategy as an xstate v5 machine used as a pure decision function, like the
// canary (canary.machine.ts): context is the status seen as data, RECONCILE carries observations
// and `now`, user commands change only the context. The new ReplicaSet runs as the preview; the
// active Service switches to it only on promotion (automatic, after autoPromotionSeconds, or by
// the user), and only once all its pods are available.
import { and, assign, setup } from "xstate";
import type { Notice, UserEvent } from "./canary.machine.ts";

export const BLUEGREEN_MACHINE_VERSION = 1;

export interface BlueGreenContext {
  /** status.stableRS: the template the active Service serves. */
  stableHash?: string | undefined;
  /** status.currentPodHash */
  currentHash?: string | undefined;
  /** startTime of the BlueGreenPause pause condition. */
  pausedSince?: number | undefined;
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: number | undefined;
  promoteFull: boolean;
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
}

export type BlueGreenEvent = BlueGreenReconcile | UserEvent;

const notice = (type: Notice) => ({ type: "notice" as const, params: { notice: type } });

export const blueGreenMachine = setup({
  types: { context: {} as BlueGreenContext, events: {} as BlueGreenEvent, input: {} as BlueGreenContext },
  actions: {
    notice: (_, _params: { notice: Notice }) => undefined,
    resetForTemplate: assign(({ event }) => ({
      currentHash: event.type === "RECONCILE" ? event.templateHash : undefined,
      pausedSince: undefined,
      controllerPause: false,
      abort: false,
      abortedAt: undefined,
      promoteFull: false,
    })),
    addPause: assign(({ event }) => ({
      pausedSince: event.type === "RECONCILE" ? event.now : undefined,
      controllerPause: true,
    })),
    clearPause: assign({ pausedSince: undefined, controllerPause: false }),
    markAborted: assign(({ context, event }) => ({
      abortedAt: context.abortedAt ?? (event.type === "RECONCILE" ? event.now : undefined),
      pausedSince: undefined,
      controllerPause: false,
    })),
    retry: assign({ abortedAt: undefined, pausedSince: undefined, controllerPause: false }),
    promoteStable: assign(({ context }) => ({
      stableHash: context.currentHash,
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
    hasStable: ({ context }) => context.stableHash !== undefined,
    retried: ({ context }) => !context.abort,
    promoteFull: ({ context }) => context.promoteFull,
    userPaused: ({ event }) => event.type === "RECONCILE" && event.userPaused,
    notUserPaused: ({ event }) => event.type === "RECONCILE" && !event.userPaused,
    previewReady: ({ event }) => event.type === "RECONCILE" && event.previewReady,
    promotesItself: ({ context }) => context.autoPromotionEnabled && !context.autoPromotionMs,
    newFullyAvailable: ({ event }) => event.type === "RECONCILE" && event.newFullyAvailable,
    pauseNotAdded: ({ context }) => context.pausedSince === undefined && !context.controllerPause,
    userResumed: ({ context }) => context.pausedSince === undefined && context.controllerPause,
    autoPromotionDue: ({ context, event }) =>
      event.type === "RECONCILE" &&
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
    routing: {
      always: [
        // First deploy and going back to the stable template are promoted without a preview pause.
        { guard: "firstDeploy", target: "promoting", actions: notice("SkipSteps") },
        { guard: "rollbackToStable", target: "promoting", actions: notice("SkipSteps") },
        { guard: "aborting", target: "aborted", actions: ["markAborted", notice("RolloutAborted")] },
        { guard: "promoteFull", target: "promoting" },
        { target: "preview" },
      ],
    },
    preview: {
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
          { guard: and(["previewReady", "promotesItself"]), target: "promoting" },
          { guard: "previewReady", target: "paused", actions: ["addPause", notice("RolloutPaused")] },
        ],
      },
    },
    paused: {
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
      on: {
        RECONCILE: [
          {
            guard: "newTemplate",
            target: "routing",
            actions: ["resetForTemplate", notice("RolloutUpdated")],
          },
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

export type BlueGreenStateValue = "healthy" | "preview" | "paused" | "userPaused" | "promoting" | "aborted";
