// The status fields both strategy machines share (pause condition of their own reason, intents,
// hashes), read from and written back to the peer's status fields.
import type { PauseCondition, RolloutStatus } from "../api/rollout.ts";

export interface SharedContext {
  stableHash?: string | undefined;
  currentHash?: string | undefined;
  pausedSince?: number | undefined;
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: number | undefined;
  promoteFull: boolean;
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function sharedFromStatus(
  status: RolloutStatus,
  pauseReason: PauseCondition["reason"],
): SharedContext {
  const pause = status.pauseConditions?.find((p) => p.reason === pauseReason);
  return {
    stableHash: status.stableRS,
    currentHash: status.currentPodHash,
    pausedSince: ms(pause?.startTime),
    controllerPause: status.controllerPause ?? false,
    abort: status.abort ?? false,
    abortedAt: ms(status.abortedAt),
    promoteFull: status.promoteFull ?? false,
  };
}

/** `previous` with the shared fields set from `context`; pauses of other reasons are kept. */
export function sharedToStatus(
  context: SharedContext,
  previous: RolloutStatus,
  pauseReason: PauseCondition["reason"],
): RolloutStatus {
  const others = (previous.pauseConditions ?? []).filter((p) => p.reason !== pauseReason);
  const pauses: PauseCondition[] =
    context.pausedSince === undefined
      ? others
      : [...others, { reason: pauseReason, startTime: new Date(context.pausedSince).toISOString() }];
  const out: RolloutStatus = {
    ...previous,
    pauseConditions: pauses,
    controllerPause: context.controllerPause,
    abort: context.abort,
    promoteFull: context.promoteFull,
  };
  const set = <K extends keyof RolloutStatus>(key: K, value: RolloutStatus[K] | undefined) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };
  set("abortedAt", context.abortedAt === undefined ? undefined : new Date(context.abortedAt).toISOString());
  set("stableRS", context.stableHash);
  set("currentPodHash", context.currentHash);
  return out;
}
