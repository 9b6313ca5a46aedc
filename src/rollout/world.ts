// What a Rollout reconcile looks at besides the Rollout: its ReplicaSets, sorted into the new one
// (current template), the stable one (promoted template) and the others.
import type { LabelSelector, PodTemplateSpec } from "../api/common.ts";
import type { Rollout } from "../api/rollout.ts";
import type { KubeObject } from "../kube/types.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";

export interface ReplicaSet extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelector;
    template?: PodTemplateSpec;
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

export const REVISION_ANNOTATION = "rollout.argoproj.io/revision";

/** Set on a Service once a Rollout has switched its selector (the peer's key and value). */
export const MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts";

/**
 * Whether a canary or stable Service may point at `rs` now: only once all its pods are available.
 * The peer switches a Service it already manages with one available pod; sluice does not, because
 * the EndpointSlice may not list a just-ready pod yet — the Service would have no ready endpoint
 * for a moment (the abort test's EndpointSlice watch caught exactly that).
 */
export function serviceMayTarget(rs: ReplicaSet | undefined): boolean {
  return rs !== undefined && specReplicas(rs) > 0 && availableOf(rs) >= specReplicas(rs);
}

export const hashOf = (rs: ReplicaSet): string | undefined => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
export const availableOf = (rs: ReplicaSet | undefined): number =>
  Math.min(rs?.status?.availableReplicas ?? 0, specReplicas(rs));

export interface SortedReplicaSets {
  newRS: ReplicaSet | undefined;
  stableRS: ReplicaSet | undefined;
  others: ReplicaSet[];
}

export function sortReplicaSets(
  all: ReplicaSet[],
  currentHash: string,
  stableHash: string | undefined,
): SortedReplicaSets {
  const newRS = all.find((rs) => hashOf(rs) === currentHash);
  const stableRS = stableHash === undefined ? undefined : all.find((rs) => hashOf(rs) === stableHash);
  const others = all.filter((rs) => rs !== newRS && rs !== stableRS);
  return { newRS, stableRS, others };
}

export function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

/** Only ReplicaSets already scaled to zero (no pods left) are history; the newest `limit` are kept. */
export function historyToPrune(others: ReplicaSet[], limit: number): string[] {
  const history = others
    .filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  return history.slice(0, Math.max(0, history.length - limit)).map((rs) => rs.metadata?.name ?? "");
}

/** True when the ReplicaSet of `hash` has pods and all of them are available (a Service may point at it). */
export function fullyAvailable(replicaSets: ReplicaSet[], hash: string): boolean {
  const rs = replicaSets.find((r) => hashOf(r) === hash);
  return rs !== undefined && specReplicas(rs) > 0 && availableOf(rs) >= specReplicas(rs);
}

/** The replica counters of a Rollout's status, over all its ReplicaSets. */
export function replicaCounters(replicaSets: ReplicaSet[], newRS: ReplicaSet | undefined) {
  const sum = (f: (rs: ReplicaSet) => number) => replicaSets.reduce((n, rs) => n + f(rs), 0);
  return {
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum((rs) => rs.status?.availableReplicas ?? 0),
  };
}

/** The ownerReference that makes `rollout` the controller of an object it creates or adopts. */
export function controllerRef(rollout: Rollout) {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    name: rollout.metadata?.name ?? "",
    uid: rollout.metadata?.uid ?? "",
    controller: true,
  };
}
