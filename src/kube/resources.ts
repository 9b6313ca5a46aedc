// Which API resource an object is, and the REST paths that address it.

export interface ResourceType {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface ObjectRef {
  namespace?: string | undefined;
  name: string;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Path of the collection (all namespaces when `namespace` is undefined) or of one object. */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  let path = `${base}${ns}/${type.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

/** The queue key of an object: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function parseObjectKey(key: string): ObjectRef {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export const ConfigMaps: ResourceType = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
};
export const Events: ResourceType = {
  group: "",
  version: "v1",
  plural: "events",
  kind: "Event",
  namespaced: true,
};
export const Leases: ResourceType = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
};
export const ReplicaSets: ResourceType = {
  group: "apps",
  version: "v1",
  plural: "replicasets",
  kind: "ReplicaSet",
  namespaced: true,
};
export const Services: ResourceType = {
  group: "",
  version: "v1",
  plural: "services",
  kind: "Service",
  namespaced: true,
};
export const Rollouts: ResourceType = {
  group: "sluice.dev",
  version: "v1alpha1",
  plural: "rollouts",
  kind: "Rollout",
  namespaced: true,
};
export const EndpointSlices: ResourceType = {
  group: "discovery.k8s.io",
  version: "v1",
  plural: "endpointslices",
  kind: "EndpointSlice",
  namespaced: true,
};
export const Pods: ResourceType = { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true };
export const AnalysisRuns: ResourceType = {
  group: "sluice.dev",
  version: "v1alpha1",
  plural: "analysisruns",
  kind: "AnalysisRun",
  namespaced: true,
};
export const Secrets: ResourceType = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};
export const Jobs: ResourceType = {
  group: "batch",
  version: "v1",
  plural: "jobs",
  kind: "Job",
  namespaced: true,
};
export const AnalysisTemplates: ResourceType = {
  group: "sluice.dev",
  version: "v1alpha1",
  plural: "analysistemplates",
  kind: "AnalysisTemplate",
  namespaced: true,
};
export const ClusterAnalysisTemplates: ResourceType = {
  group: "sluice.dev",
  version: "v1alpha1",
  plural: "clusteranalysistemplates",
  kind: "ClusterAnalysisTemplate",
  namespaced: false,
};
export const Ingresses: ResourceType = {
  group: "networking.k8s.io",
  version: "v1",
  plural: "ingresses",
  kind: "Ingress",
  namespaced: true,
};
export const Applications: ResourceType = {
  group: "sluice.dev",
  version: "v1alpha1",
  plural: "applications",
  kind: "Application",
  namespaced: true,
};
export const Namespaces: ResourceType = {
  group: "",
  version: "v1",
  plural: "namespaces",
  kind: "Namespace",
  namespaced: false,
};

/** "May I ...?" asked of the API server's authorizer (a create that stores nothing). */
export const SelfSubjectAccessReviews: ResourceType = {
  group: "authorization.k8s.io",
  version: "v1",
  plural: "selfsubjectaccessreviews",
  kind: "SelfSubjectAccessReview",
  namespaced: false,
};
