// The blue/green machine's state in and out of a Rollout's status, as canary.state.ts does for
// the canary: context rebuilt from the peer's fields, stored value re-derived when unusable.
import { transition } from "xstate";
import type { BlueGreenStrategy, PauseCondition, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import {
  BLUEGREEN_MACHINE_VERSION,
  type BlueGreenContext,
  type BlueGreenEvent,
  type BlueGreenStateValue,
  blueGreenMachine,
} from "./bluegreen.machine.ts";
import type { Notice } from "./canary.machine.ts";

const STATES: BlueGreenStateValue[] = ["healthy", "preview", "paused", "userPaused", "promoting", "aborted"];
const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function blueGreenContext(status: RolloutStatus, strategy: BlueGreenStrategy): BlueGreenContext {
  const pause = status.pauseConditions?.find((p) => p.reason === "BlueGreenPause");
  return {
    stableHash: status.stableRS,
    currentHash: status.currentPodHash,
    pausedSince: ms(pause?.startTime),
    controllerPause: status.controllerPause ?? false,
    abort: status.abort ?? false,
    abortedAt: ms(status.abortedAt),
    promoteFull: status.promoteFull ?? false,
    autoPromotionEnabled: strategy.autoPromotionEnabled ?? RolloutDefaults.autoPromotionEnabled,
    autoPromotionMs:
      strategy.autoPromotionSeconds === undefined ? undefined : strategy.autoPromotionSeconds * 1000,
  };
}

export function statusFromBlueGreen(context: BlueGreenContext, previous: RolloutStatus): RolloutStatus {
  const others = (previous.pauseConditions ?? []).filter((p) => p.reason !== "BlueGreenPause");
  const pauses: PauseCondition[] =
    context.pausedSince === undefined
      ? others
      : [...others, { reason: "BlueGreenPause", startTime: new Date(context.pausedSince).toISOString() }];
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

export function deriveBlueGreenState(context: BlueGreenContext, userPaused: boolean): BlueGreenStateValue {
  if (context.currentHash === undefined || context.currentHash === context.stableHash) return "healthy";
  if (context.abort) return "aborted";
  if (userPaused) return "userPaused";
  if (context.promoteFull || context.stableHash === undefined) return "promoting";
  return context.pausedSince !== undefined || context.controllerPause ? "paused" : "preview";
}

export function resolveBlueGreenState(
  stored: { machineVersion?: number; value?: unknown } | undefined,
  context: BlueGreenContext,
  userPaused: boolean,
): BlueGreenStateValue {
  const derived = deriveBlueGreenState(context, userPaused);
  const value = stored?.value;
  const usable =
    stored?.machineVersion === BLUEGREEN_MACHINE_VERSION &&
    typeof value === "string" &&
    (STATES as string[]).includes(value) &&
    (value === "healthy") === (derived === "healthy");
  return usable ? (value as BlueGreenStateValue) : derived;
}

export function stepBlueGreen(state: BlueGreenStateValue, context: BlueGreenContext, event: BlueGreenEvent) {
  const [next, actions] = transition(
    blueGreenMachine,
    blueGreenMachine.resolveState({ value: state, context }),
    event,
  );
  const notices = actions
    .filter((a) => a.type === "notice")
    .map((a) => (a.params as { notice: Notice }).notice);
  return { state: next.value as BlueGreenStateValue, context: next.context, notices };
}
