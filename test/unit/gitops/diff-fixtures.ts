// Shared fixtures for the diff core's tests: a Deployment as Git wants it, what the server predicts
// and what live holds, with realistic managedFields.
import type { KubeObject } from "../../../src/kube/types.ts";

/** Freezes every level so a test fails loudly if the code under test writes to its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const frozen = <T>(value: T): T => deepFreeze(structuredClone(value));

export const entry = (manager: string, fieldsV1: unknown, extra: Record<string, unknown> = {}) => ({
  manager,
  operation: manager === "sluice-gitops" ? "Apply" : "Update",
  apiVersion: "apps/v1",
  time: "2025-01-01T00:00:00Z",
  fieldsType: "FieldsV1",
  fieldsV1,
  ...extra,
});

export const GITOPS_FIELDS = {
  "f:metadata": { "f:labels": { "f:app": {} } },
  "f:spec": {
    "f:replicas": {},
    "f:selector": {},
    "f:template": {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"web"}': { ".": {}, "f:name": {}, "f:image": {}, "f:ports": {} },
        },
      },
    },
  },
};

export const HPA_SCALE = entry(
  "kube-controller-manager",
  { "f:spec": { "f:replicas": {} } },
  { subresource: "scale" },
);

export const DEPLOYMENT_CONTROLLER = entry(
  "kube-controller-manager",
  {
    "f:metadata": { "f:annotations": { ".": {}, "f:deployment.kubernetes.io/revision": {} } },
    "f:status": { "f:replicas": {}, "f:readyReplicas": {} },
  },
  { subresource: "status" },
);

export function desiredDeployment(image = "nginx:1.27", replicas = 3): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "team", labels: { app: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }] },
      },
    },
  } as KubeObject;
}

/** What the API server returns: the desired fields plus defaults, bookkeeping and status. */
export function serverDeployment(
  image = "nginx:1.27",
  replicas = 3,
  managedFields: unknown[] = [entry("sluice-gitops", GITOPS_FIELDS), DEPLOYMENT_CONTROLLER],
): KubeObject {
  const object = desiredDeployment(image, replicas) as KubeObject & Record<string, unknown>;
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: "0d3c2f1e-1111-2222-3333-444455556666",
      resourceVersion: "4711",
      generation: 2,
      creationTimestamp: "2025-01-01T00:00:00Z",
      annotations: { "deployment.kubernetes.io/revision": "2" },
      managedFields,
    },
    status: { replicas, readyReplicas: replicas, observedGeneration: 2 },
  } as KubeObject;
}

type Container = Record<string, unknown> | unknown[];

function containerAt(root: Container, tokens: string[]): Container {
  let current: Container = root;
  for (const token of tokens) {
    const next: unknown = Array.isArray(current) ? current[Number(token)] : current[token];
    if (typeof next !== "object" || next === null) throw new Error(`fixture: nothing at ${tokens.join("/")}`);
    current = next as Container;
  }
  return current;
}

const tokensOf = (pointer: string) =>
  pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));

/**
 * A copy of `object` with each JSON pointer set to its value (undefined deletes, "-" appends).
 * Parents must exist; records are created for a missing last-but-one level only via the value.
 */
export function edited<T>(object: T, changes: Record<string, unknown>): T {
  const copy = structuredClone(object) as Container;
  for (const [pointer, value] of Object.entries(changes)) {
    const tokens = tokensOf(pointer);
    const last = tokens.pop() as string;
    const parent = containerAt(copy, tokens);
    if (Array.isArray(parent)) {
      if (last === "-") parent.push(value);
      else if (value === undefined) parent.splice(Number(last), 1);
      else parent[Number(last)] = value;
    } else if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return copy as T;
}

/** The value at a JSON pointer, or undefined. */
export function read(object: unknown, pointer: string): unknown {
  let current: unknown = object;
  for (const token of tokensOf(pointer)) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

export const has = (object: unknown, pointer: string): boolean => {
  const tokens = tokensOf(pointer);
  const last = tokens.pop() as string;
  const parent = read(object, tokens.length ? `/${tokens.join("/")}` : "");
  return typeof parent === "object" && parent !== null && Object.hasOwn(parent, last);
};
