// Transition rows both strategy machines share, by the guard and action names both define: a new
// pod template restarts the update, the user's abort aborts, the user's pause pauses.
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
