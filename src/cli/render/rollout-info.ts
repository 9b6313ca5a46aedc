// Facts about a Rollout derived for display (the peer's plugin shows the same ones, computed the
// same way, ../shared/reference/ecosystem.md §1.6.1): phase, step, weights, the role of each
// ReplicaSet and which images run in which role. Pure.
import type { Rollout } from "../../api/rollout.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../rollout/hash.ts";
import { REVISION_ANNOTATION } from "../../rollout/world.ts";
import type { ReplicaSet, RolloutView } from "./objects.ts";

export interface PhaseAndMessage {
  phase: string;
  message: string;
}

/**
 * The controller's phase, unless it has not seen the latest spec yet: then the status describes an
 * older spec (a CI gate must not pass on the previous version's Healthy).
 */
export function phaseOf(rollout: Rollout): PhaseAndMessage {
  const generation = rollout.metadata?.generation;
  const observed = rollout.status?.observedGeneration;
  const phase = rollout.status?.phase;
  if (!phase || (generation !== undefined && (observed === undefined || observed < generation))) {
    return { phase: "Progressing", message: "waiting for rollout spec update to be observed" };
  }
  return { phase, message: rollout.status?.message ?? "" };
}

export function strategyOf(rollout: Rollout): "Canary" | "BlueGreen" | "" {
  if (rollout.spec?.strategy?.blueGreen) return "BlueGreen";
  return rollout.spec?.strategy?.canary ? "Canary" : "";
}

/** "1/4": status.currentStepIndex of the canary steps; undefined without steps or an index. */
export function stepOf(rollout: Rollout): string | undefined {
  const steps = rollout.spec?.strategy?.canary?.steps ?? [];
  const index = rollout.status?.currentStepIndex;
  return steps.length === 0 || index === undefined ? undefined : `${index}/${steps.length}`;
}

/** Whether the canary steps are behind the Rollout: all walked, or the template already stable. */
function stepsDone(rollout: Rollout): boolean {
  const status = rollout.status ?? {};
  const index = status.currentStepIndex;
  // No index: nothing started yet (or an invalid spec), unless the template is already stable.
  if (index === undefined)
    return status.currentPodHash !== undefined && status.stableRS === status.currentPodHash;
  return index >= (rollout.spec?.strategy?.canary?.steps ?? []).length;
}

/** The canary weight the current step asks for: the last setWeight so far, 100 once steps are done. */
export function setWeightOf(rollout: Rollout): number {
  if (rollout.status?.abort) return 0;
  if (stepsDone(rollout)) return 100;
  const steps = rollout.spec?.strategy?.canary?.steps ?? [];
  for (let i = rollout.status?.currentStepIndex ?? -1; i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/**
 * The canary weight in effect: the router's when traffic is routed, else the canary's share of
 * available pods; 100 once steps are done.
 */
export function actualWeightOf(view: RolloutView): number {
  const { rollout } = view;
  if (stepsDone(rollout) && !rollout.status?.abort) return 100;
  const available = rollout.status?.availableReplicas ?? 0;
  if (available === 0) return 0;
  if (rollout.spec?.strategy?.canary?.trafficRouting) {
    return rollout.status?.canary?.weights?.canary.weight ?? setWeightOf(rollout);
  }
  const canary = view.replicaSets.find((rs) => roleTags(rollout, rs).includes("canary"));
  return Math.floor(((canary?.status?.availableReplicas ?? 0) * 100) / available);
}

/** A ReplicaSet's roles: stable / canary for a canary, stable / active / preview for blue/green. */
export function roleTags(rollout: Rollout, rs: ReplicaSet): string[] {
  const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
  if (hash === undefined) return [];
  const status = rollout.status ?? {};
  const tags: string[] = [];
  if (status.stableRS === hash) tags.push("stable");
  if (rollout.spec?.strategy?.blueGreen) {
    if (status.blueGreen?.activeSelector === hash) tags.push("active");
    else if (status.blueGreen?.previewSelector === hash) tags.push("preview");
  } else if (status.stableRS !== hash && status.currentPodHash === hash) {
    tags.push("canary");
  }
  return tags;
}

/** The rollout.argoproj.io/revision annotation of a ReplicaSet or AnalysisRun (0 when absent). */
export function revisionOf(object: { metadata?: { annotations?: Record<string, string> } }): number {
  const revision = Number(object.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(revision) ? revision : 0;
}

export interface ImageInfo {
  image: string;
  tags: string[];
}

/** Images of ReplicaSets that have pods, each with the roles it runs in, sorted by image. */
export function imagesOf(view: RolloutView): ImageInfo[] {
  const byImage = new Map<string, Set<string>>();
  for (const rs of view.replicaSets) {
    if ((rs.status?.replicas ?? 0) === 0) continue;
    const containers = (rs.spec?.template?.spec?.containers ?? []) as { image?: string }[];
    for (const { image } of containers) {
      if (!image) continue;
      const tags = byImage.get(image) ?? new Set<string>();
      for (const tag of roleTags(view.rollout, rs)) tags.add(tag);
      byImage.set(image, tags);
    }
  }
  return [...byImage]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([image, tags]) => ({ image, tags: [...tags] }));
}

export interface Replicas {
  desired: number;
  current: number;
  updated: number;
  ready: number;
  available: number;
}

export function replicasOf(rollout: Rollout): Replicas {
  const status = rollout.status ?? {};
  return {
    desired: rollout.spec?.replicas ?? 1,
    current: status.replicas ?? 0,
    updated: status.updatedReplicas ?? 0,
    ready: status.readyReplicas ?? 0,
    available: status.availableReplicas ?? 0,
  };
}
