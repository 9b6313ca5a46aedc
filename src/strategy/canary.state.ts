// The canary machine's state in and out of a Rollout's status (DESIGN.md §8): the context is
// rebuilt from the peer's status fields; only {machineVersion, value} is stored by sluice, and a
// missing, unknown or inconsistent stored value is re-derived from the context, never thrown on.
import { transition } from "xstate";
import { parseDuration } from "../api/duration.ts";
import type { CanaryStep, RolloutStatus } from "../api/rollout.ts";
import {
  CANARY_MACHINE_VERSION,
  type CanaryContext,
  type CanaryEvent,
  type CanaryStateValue,
  type CanaryStepSpec,
  canaryMachine,
  type Notice,
} from "./canary.machine.ts";
import { sharedFromStatus, sharedToStatus } from "./status-fields.ts";

const STATES: CanaryStateValue[] = [
  "healthy",
  "stepping",
  "pausedStep",
  "userPaused",
  "promoting",
  "aborted",
];

export function stepSpecs(steps: CanaryStep[] = []): CanaryStepSpec[] {
  return steps.map((step) => {
    if (step.setWeight !== undefined) return { kind: "setWeight", weight: step.setWeight };
    if (step.pause !== undefined) {
      return step.pause.duration === undefined
        ? { kind: "pause" }
        : { kind: "pause", durationMs: parseDuration(step.pause.duration) };
    }
    if (step.analysis !== undefined) return { kind: "analysis" };
    if (step.setHeaderRoute !== undefined || step.setMirrorRoute !== undefined) return { kind: "route" };
    return { kind: "setCanaryScale" };
  });
}

const PAUSE_REASONS = ["CanaryPauseStep", "InconclusiveAnalysisRun"] as const;

export function contextFromStatus(
  status: RolloutStatus,
  steps: CanaryStepSpec[],
  backgroundFrom?: number,
): CanaryContext {
  const shared = sharedFromStatus(status, PAUSE_REASONS);
  return {
    ...shared,
    pauseReason: shared.pauseReason === "InconclusiveAnalysisRun" ? shared.pauseReason : undefined,
    backgroundFrom,
    backgroundRestarts: status.sluice?.backgroundRestarts ?? 0,
    stepsHash: status.currentStepHash,
    steps,
    stepIndex: Math.max(0, Math.min(status.currentStepIndex ?? 0, steps.length)),
  };
}

/** The status fields the machine owns, from its context. Other pause reasons are kept. */
export function statusFromContext(context: CanaryContext, previous: RolloutStatus): RolloutStatus {
  const status = sharedToStatus(context, previous, PAUSE_REASONS);
  return {
    ...status,
    currentStepIndex: context.stepIndex,
    sluice: { ...status.sluice, backgroundRestarts: context.backgroundRestarts },
  };
}

/** The state a context is in when nothing better is known (no or unusable stored value). */
export function deriveState(context: CanaryContext, userPaused: boolean): CanaryStateValue {
  if (context.currentHash === undefined || context.currentHash === context.stableHash) return "healthy";
  if (context.abort) return "aborted";
  if (userPaused) return "userPaused";
  if (context.promoteFull || context.stepIndex >= context.steps.length || context.stableHash === undefined) {
    return "promoting";
  }
  // A pause step, or any step the controller paused (an Inconclusive analysis), waits in pausedStep.
  const paused = context.pausedSince !== undefined || context.controllerPause;
  return context.steps[context.stepIndex]?.kind === "pause" || paused ? "pausedStep" : "stepping";
}

export function resolveStoredState(
  stored: { machineVersion?: number; value?: unknown } | undefined,
  context: CanaryContext,
  userPaused: boolean,
): CanaryStateValue {
  const value = stored?.value;
  const usable =
    stored?.machineVersion === CANARY_MACHINE_VERSION &&
    typeof value === "string" &&
    (STATES as string[]).includes(value) &&
    // A stored value that contradicts the status (e.g. edited by hand) is not trusted.
    (value === "healthy") === (deriveState(context, userPaused) === "healthy");
  return usable ? (value as CanaryStateValue) : deriveState(context, userPaused);
}

export interface CanaryTransition {
  state: CanaryStateValue;
  context: CanaryContext;
  notices: Notice[];
}

/** One pure step of the machine from a stored state and context. */
export function stepCanary(
  state: CanaryStateValue,
  context: CanaryContext,
  event: CanaryEvent,
): CanaryTransition {
  const snapshot = canaryMachine.resolveState({ value: state, context });
  const [next, actions] = transition(canaryMachine, snapshot, event);
  const notices = actions
    .filter((a) => a.type === "notice")
    .map((a) => (a.params as { notice: Notice }).notice);
  return { state: next.value as CanaryStateValue, context: next.context, notices };
}
