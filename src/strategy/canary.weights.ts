// What a canary state means for the world, derived again on every reconcile (level-triggered):
// the canary's weight, and when a timed pause ends.
import type { CanaryContext, CanaryStateValue } from "./canary.machine.ts";

/** The setWeight in force: the last one at or before the current step; 100 once steps are done. */
export function currentSetWeight(context: CanaryContext): number {
  if (context.stepIndex >= context.steps.length) return 100;
  for (let i = Math.min(context.stepIndex, context.steps.length - 1); i >= 0; i--) {
    const step = context.steps[i];
    if (step?.kind === "setWeight") return step.weight;
  }
  return 0;
}

/** The canary weight the world should have in `state` (level-triggered: recomputed every reconcile). */
export function canaryWeight(state: CanaryStateValue, context: CanaryContext): number {
  switch (state) {
    case "healthy":
    case "promoting":
      return 100;
    case "aborted":
      return 0;
    default:
      return currentSetWeight(context);
  }
}

/** When a timed pause ends (for requeueAfter), or undefined. */
export function pauseDeadline(state: CanaryStateValue, context: CanaryContext): number | undefined {
  const step = context.steps[context.stepIndex];
  if (state !== "pausedStep" || step?.kind !== "pause" || step.durationMs === undefined) return undefined;
  if (context.pauseReason === "InconclusiveAnalysisRun") return undefined;
  return context.pausedSince === undefined ? undefined : context.pausedSince + step.durationMs;
}
