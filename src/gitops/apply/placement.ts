// Where a rendered object goes and what it carries, decided before anything is applied (pure):
// namespaced objects without a namespace get the destination's; objects in another namespace and
// cluster-scoped objects other than Namespaces and CRDs are refused (DESIGN.md §8 tenancy); every
// applied object carries the tracking label and annotation naming its Application (the SHA stays
// in status). Order: Namespaces and CRDs first, then sync waves, then the peer's kind order.
import type { KubeObject } from "../../kube/types.ts";

export const TRACKING_LABEL = "sluice.dev/application";
export const TRACKING_ANNOTATION = "sluice.dev/tracking-id";
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";

export interface Placed {
  object: KubeObject;
  group: string;
  version: string;
  namespaced: boolean;
}

const KIND_ORDER = [
  "Namespace",
  "CustomResourceDefinition",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "Ingress",
];

const groupVersion = (apiVersion: string) => {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

export const trackingId = (app: string, o: KubeObject) => {
  const { group } = groupVersion(o.apiVersion ?? "");
  return `${app}:${group}/${o.kind}:${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
};

/** The object as it will be applied, or why it is refused. */
export function place(
  object: KubeObject,
  namespaced: boolean,
  app: { name: string; destinationNamespace: string },
): Placed | { refused: string } {
  const { group, version } = groupVersion(object.apiVersion ?? "");
  const what = `${object.kind} ${object.metadata?.name ?? "(no name)"}`;
  if (!object.metadata?.name) return { refused: `${what}: metadata.name is required` };
  const namespace = namespaced ? (object.metadata.namespace ?? app.destinationNamespace) : undefined;
  if (namespaced && namespace !== app.destinationNamespace)
    return {
      refused: `${what}: namespace "${namespace}" is not the destination namespace "${app.destinationNamespace}"`,
    };
  if (!namespaced && object.kind !== "Namespace" && object.kind !== "CustomResourceDefinition")
    return { refused: `${what}: cluster-scoped objects other than Namespaces and CRDs are not allowed` };
  const metadata = {
    ...object.metadata,
    ...(namespace ? { namespace } : {}),
    labels: { ...object.metadata.labels, [TRACKING_LABEL]: app.name },
    annotations: { ...object.metadata.annotations },
  };
  const placed: KubeObject = { ...object, metadata };
  metadata.annotations[TRACKING_ANNOTATION] = trackingId(app.name, placed);
  return { object: placed, group, version, namespaced };
}

const rank = (p: Placed) => {
  const first = p.object.kind === "Namespace" || p.object.kind === "CustomResourceDefinition" ? 0 : 1;
  const wave = Number(p.object.metadata?.annotations?.[SYNC_WAVE] ?? 0) || 0;
  const kind = KIND_ORDER.indexOf(p.object.kind ?? "");
  return [first, wave, kind < 0 ? KIND_ORDER.length : kind] as const;
};

/** Apply order: Namespaces and CRDs, then by sync wave, then by kind, then by name. */
export function applyOrder(placed: Placed[]): Placed[] {
  return [...placed].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
    return (a.object.metadata?.name ?? "").localeCompare(b.object.metadata?.name ?? "");
  });
}
