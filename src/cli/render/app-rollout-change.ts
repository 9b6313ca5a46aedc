// What a change to a Rollout's pod template will do once Git's version is applied, in one line for
// `app diff`: the canary's steps ("starts a canary: 20% → pause 1m → analysis → 100%") or the
// blue/green switch ("deploys a preview, then switches active after promotion"). Read from the
// Rollout Git holds, since its strategy is the one that runs. Pure.
import type { IntOrString } from "../../api/common.ts";
import type { BlueGreenStrategy, CanaryStep, CanaryStrategy, Rollout } from "../../api/rollout.ts";

/** Pod-template paths (JSON pointers) start a new revision; other Rollout fields do not. */
export const changesPodTemplate = (paths: readonly string[]): boolean =>
  paths.some((p) => p === "/spec/template" || p.startsWith("/spec/template/"));

const durationText = (d: IntOrString | undefined) => (typeof d === "number" ? `${d}s` : (d ?? ""));

function canaryScaleText(scale: NonNullable<CanaryStep["setCanaryScale"]>): string {
  if (scale.matchTrafficWeight) return "canary scale follows weight";
  if (scale.replicas !== undefined)
    return `canary scale ${scale.replicas} pod${scale.replicas === 1 ? "" : "s"}`;
  return `canary scale ${scale.weight ?? 0}%`;
}

function mirrorText(mirror: NonNullable<CanaryStep["setMirrorRoute"]>): string {
  if (!mirror.match?.length) return `stop mirror ${mirror.name}`;
  return `mirror ${mirror.name}${mirror.percentage !== undefined ? ` ${mirror.percentage}%` : ""}`;
}

export function stepText(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `${step.setWeight}%`;
  if (step.pause) {
    const duration = durationText(step.pause.duration);
    return duration ? `pause ${duration}` : "pause until promoted";
  }
  if (step.analysis) return "analysis";
  if (step.experiment) return "experiment";
  if (step.setCanaryScale) return canaryScaleText(step.setCanaryScale);
  if (step.setHeaderRoute)
    return step.setHeaderRoute.match?.length
      ? `header route ${step.setHeaderRoute.name}`
      : `remove header route ${step.setHeaderRoute.name}`;
  if (step.setMirrorRoute) return mirrorText(step.setMirrorRoute);
  return "plugin step";
}

function canaryText(canary: CanaryStrategy): string {
  const steps = canary.steps ?? [];
  if (steps.length === 0) return "updates straight to 100% (a canary without steps)";
  let text = `starts a canary: ${[...steps.map(stepText), "100%"].join(" → ")}`;
  if (canary.analysis) {
    const from = canary.analysis.startingStep;
    text += `, with background analysis${from ? ` from step ${from}` : ""}`;
  }
  return text;
}

function blueGreenText(blueGreen: BlueGreenStrategy): string {
  const parts = ["deploys a preview"];
  if (blueGreen.prePromotionAnalysis) parts.push("runs analysis");
  let switchText = "switches active once the preview is ready";
  if (blueGreen.autoPromotionEnabled === false) switchText = "switches active after promotion";
  else if (blueGreen.autoPromotionSeconds)
    switchText = `switches active after ${blueGreen.autoPromotionSeconds}s (or on promotion)`;
  const last = [`then ${switchText}`];
  if (blueGreen.postPromotionAnalysis) last.push("then runs analysis");
  return [...parts, ...last].join(", ");
}

/**
 * The summary of a pod-template change; `firstDeploy` when no Rollout exists yet (the peer skips
 * the steps then: every pod starts at once).
 */
export function rolloutChangeSummary(rollout: Rollout, options: { firstDeploy?: boolean } = {}): string {
  if (options.firstDeploy) return "first deploy: starts every pod at once (no steps on a first deploy)";
  const strategy = rollout.spec?.strategy;
  let text = "starts a new revision";
  if (strategy?.canary) text = canaryText(strategy.canary);
  else if (strategy?.blueGreen) text = blueGreenText(strategy.blueGreen);
  if (rollout.spec?.paused) text += " (the Rollout is paused: nothing moves until it is resumed)";
  return text;
}
