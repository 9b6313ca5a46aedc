// The blue/green machine's state in and out of a Rollout's status, as canary.state.ts does for
// the canary: context rebuilt from the peer's fields, stored value re-derived when unusable
// (postPromotion is re-derived as promoting, which returns to it once the new pods are available).
import { transition } from "xstate";
import type { BlueGreenStrategy, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import {
  BLUEGREEN_MACHINE_VERSION,
  type BlueGreenContext,
  type BlueGreenEvent,
  type BlueGreenStateValue,
  blueGreenMachine,
} from "./bluegreen.machine.ts";
import type { Notice } from "./canary.machine.ts";
import { sharedFromStatus, sharedToStatus } from "./status-fields.ts";

const STATES: BlueGreenStateValue[] = [
  "healthy",
  "preview",
  "paused",
  "userPaused",
  "promoting",
  "postPromotion",
  "aborted",
];

const PAUSE_REASONS = ["BlueGreenPause", "InconclusiveAnalysisRun"] as const;

export function blueGreenContext(status: RolloutStatus, strategy: BlueGreenStrategy): BlueGreenContext {
  const shared = sharedFromStatus(status, PAUSE_REASONS);
  return {
    ...shared,
    pauseReason: shared.pauseReason === "InconclusiveAnalysisRun" ? shared.pauseReason : "BlueGreenPause",
    promoted: status.blueGreen?.scaleUpPreviewCheckPoint ?? false,
    preAnalysis: strategy.prePromotionAnalysis !== undefined,
    postAnalysis: strategy.postPromotionAnalysis !== undefined,
    autoPromotionEnabled: strategy.autoPromotionEnabled ?? RolloutDefaults.autoPromotionEnabled,
    autoPromotionMs:
      strategy.autoPromotionSeconds === undefined ? undefined : strategy.autoPromotionSeconds * 1000,
  };
}

export function statusFromBlueGreen(context: BlueGreenContext, previous: RolloutStatus): RolloutStatus {
  return sharedToStatus(context, previous, PAUSE_REASONS);
}

export function deriveBlueGreenState(context: BlueGreenContext, userPaused: boolean): BlueGreenStateValue {
  if (context.currentHash === undefined || context.currentHash === context.stableHash) return "healthy";
  if (context.abort) return "aborted";
  if (userPaused) return "userPaused";
  if (context.promoteFull || context.stableHash === undefined || context.promoted) return "promoting";
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
