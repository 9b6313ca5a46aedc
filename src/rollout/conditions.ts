// Rollout phase and conditions, computed from state (the peer's CalculateRolloutPhase,
// ../shared/reference/argo-rollouts.md §5.7). Pure: `now` is passed in, and a condition's times
// move only when it changes, so an unchanged world writes no status.
import type { Condition } from "../api/common.ts";

export { removeCondition, setCondition } from "../api/conditions.ts";

import type { RolloutSpec, RolloutStatus } from "../api/rollout.ts";

export type Phase = NonNullable<RolloutStatus["phase"]>;

/** Degraded, from the first condition that says so: an invalid spec, an abort, a timeout. */
function degraded(conditions: Condition[]): { phase: Phase; message: string } | undefined {
  for (const c of conditions) {
    if (c.type === "InvalidSpec" && c.status === "True")
      return { phase: "Degraded", message: `InvalidSpec: ${c.message ?? ""}` };
    if (
      c.type === "Progressing" &&
      (c.reason === "RolloutAborted" || c.reason === "ProgressDeadlineExceeded")
    ) {
      return { phase: "Degraded", message: `${c.reason}: ${c.message ?? ""}` };
    }
  }
  return undefined;
}

export function computePhase(spec: RolloutSpec, status: RolloutStatus): { phase: Phase; message: string } {
  const degradedPhase = degraded(status.conditions ?? []);
  if (degradedPhase) return degradedPhase;
  if (spec.paused) return { phase: "Paused", message: "manually paused" };
  const firstPause = status.pauseConditions?.[0];
  if (firstPause) return { phase: "Paused", message: firstPause.reason };
  if (spec.restartAt !== undefined && spec.restartAt !== status.restartedAt) {
    return { phase: "Progressing", message: "rollout is restarting" };
  }
  const replicas = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < replicas) return { phase: "Progressing", message: "more replicas need to be updated" };
  if ((status.availableReplicas ?? 0) < updated) {
    return { phase: "Progressing", message: "updated replicas are still becoming available" };
  }
  return spec.strategy?.blueGreen ? blueGreenPhase(spec, status) : canaryPhase(spec, status);
}

const HEALTHY = { phase: "Healthy", message: "" } as const;

function blueGreenPhase(spec: RolloutSpec, status: RolloutStatus): { phase: Phase; message: string } {
  const current = status.currentPodHash;
  if (!status.blueGreen?.activeSelector || status.blueGreen.activeSelector !== current)
    return { phase: "Progressing", message: "active service cutover pending" };
  if (!status.stableRS || status.stableRS !== current) {
    // Active serves the new pods, which are not stable yet: post-promotion analysis decides.
    const post = status.blueGreen.postPromotionAnalysisRunStatus?.status;
    const analysing =
      spec.strategy?.blueGreen?.postPromotionAnalysis !== undefined &&
      !(post === "Successful" || post === "Failed" || post === "Error" || post === "Inconclusive");
    return {
      phase: "Progressing",
      message: analysing
        ? "waiting for analysis to complete"
        : "waiting for post-promotion verification to complete",
    };
  }
  return HEALTHY;
}

function canaryPhase(spec: RolloutSpec, status: RolloutStatus): { phase: Phase; message: string } {
  // Only a canary without traffic routing has no scale-down delay: there, old pods still up mean
  // the update is not done (blue/green and traffic-routed canaries keep them up on purpose).
  if (!spec.strategy?.canary?.trafficRouting && (status.replicas ?? 0) > (status.updatedReplicas ?? 0))
    return { phase: "Progressing", message: "old replicas are pending termination" };
  if (!status.stableRS || status.stableRS !== status.currentPodHash)
    return { phase: "Progressing", message: "waiting for all steps to complete" };
  return HEALTHY;
}
