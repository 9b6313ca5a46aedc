// The status fields both strategy machines share (pause condition of their own reason, intents,
// hashes), read from and written back to the peer's status fields.
import type { PauseCondition, RolloutStatus } from "../api/rollout.ts";

type PauseReason = PauseCondition["reason"];

export interface SharedContext {
  stableHash?: string | undefined;
  currentHash?: string | undefined;
  pausedSince?: number | undefined;
  /** Reason of the controller's pause condition (one of the machine's own reasons). */
  pauseReason?: PauseReason | undefined;
  /** status.sluice.analysisRound (see CanaryContext). */
  analysisRound: number;
  /**
   * status.sluice.runRestarts: how often a person resumed an Inconclusive step, pre- or
   * post-promotion analysis in this round; part of that run's name, so the resumed analysis is a
   * fresh run (as the peer's needsNewAnalysisRun), never a pass.
   */
  runRestarts: number;
  controllerPause: boolean;
  abort: boolean;
  abortedAt?: number | undefined;
  promoteFull: boolean;
}

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/** `reasons`: the pause reasons the machine owns; the first is the default when none is recorded. */
export function sharedFromStatus(status: RolloutStatus, reasons: readonly PauseReason[]): SharedContext {
  const pause = status.pauseConditions?.find((p) => reasons.includes(p.reason));
  return {
    stableHash: status.stableRS,
    currentHash: status.currentPodHash,
    pausedSince: ms(pause?.startTime),
    pauseReason: pause?.reason,
    analysisRound: status.sluice?.analysisRound ?? 0,
    runRestarts: status.sluice?.runRestarts ?? 0,
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
  reasons: readonly PauseReason[],
): RolloutStatus {
  const others = (previous.pauseConditions ?? []).filter((p) => !reasons.includes(p.reason));
  const reason = context.pauseReason ?? reasons[0] ?? "CanaryPauseStep";
  const pauses: PauseCondition[] =
    context.pausedSince === undefined
      ? others
      : [...others, { reason, startTime: new Date(context.pausedSince).toISOString() }];
  const out: RolloutStatus = {
    ...previous,
    pauseConditions: pauses,
    controllerPause: context.controllerPause,
    abort: context.abort,
    promoteFull: context.promoteFull,
    sluice: { ...previous.sluice, analysisRound: context.analysisRound, runRestarts: context.runRestarts },
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
