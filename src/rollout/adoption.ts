// Taking over ReplicaSets sluice did not create, so moving to sluice (from Argo Rollouts, or from
// an older sluice whose hash differed) never redeploys: orphans whose pods the Rollout's selector
// matches are adopted (owner reference added, as the Deployment controller does), and a
// ReplicaSet whose template matches the Rollout's by content counts as the current one.
import type { PodTemplateSpec } from "../api/common.ts";
import type { Rollout } from "../api/rollout.ts";
import { selectorMatches } from "../api/selector.ts";
import type { KubeClient } from "../kube/client.ts";
import { ReplicaSets } from "../kube/resources.ts";
import { templateMatches } from "./hash.ts";
import { controllerRef, hashOf, type ReplicaSet } from "./world.ts";

/** ReplicaSets in the Rollout's namespace with no controller whose pods its selector selects. */
export function orphansFor(rollout: Rollout, candidates: ReplicaSet[]): ReplicaSet[] {
  const selector = rollout.spec?.selector;
  if (!selector) return [];
  return candidates.filter(
    (rs) =>
      !rs.metadata?.deletionTimestamp &&
      !rs.metadata?.ownerReferences?.some((r) => r.controller) &&
      selectorMatches(selector, rs.spec?.template?.metadata?.labels ?? {}),
  );
}

export async function adopt(
  client: KubeClient,
  rollout: Rollout,
  rs: ReplicaSet,
  fieldManager: string,
): Promise<void> {
  const owner = controllerRef(rollout);
  await client.mergePatch(
    ReplicaSets,
    { namespace: rs.metadata?.namespace, name: rs.metadata?.name ?? "" },
    { metadata: { ownerReferences: [...(rs.metadata?.ownerReferences ?? []), owner] } },
    fieldManager,
    // Conditional: if someone else adopted it meanwhile, this fails instead of double-owning.
    { resourceVersion: rs.metadata?.resourceVersion },
  );
}

/** Marks the ReplicaSets sluice names with this hash function (see effectiveHash). */
export const HASH_VERSION_ANNOTATION = "sluice.dev/pod-template-hash-version";
export const HASH_VERSION = "1";

/**
 * The hash that names the current template: the computed one, unless no ReplicaSet carries it
 * and one made by another tool or hash version carries the same template. Content matching
 * tolerates server defaults, so it cannot tell a removed field from a defaulted one: it is never
 * applied to ReplicaSets sluice made with this hash version, whose hash label is exact.
 */
export function effectiveHash(template: PodTemplateSpec, computed: string, owned: ReplicaSet[]): string {
  if (owned.some((rs) => hashOf(rs) === computed)) return computed;
  const same = owned.find(
    (rs) =>
      rs.metadata?.annotations?.[HASH_VERSION_ANNOTATION] !== HASH_VERSION &&
      rs.spec?.template !== undefined &&
      hashOf(rs) !== undefined &&
      templateMatches(template, rs.spec.template),
  );
  return (same && hashOf(same)) ?? computed;
}
