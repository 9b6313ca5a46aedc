// The Application CRD: Argo CD's field names (an Argo CD Application moves over by changing
// apiVersion), structure and types only. Fields sluice does not implement yet are kept by the
// schema (never pruned) and reported "not supported yet" by the validator.
import { GROUP, VERSION } from "../common.ts";
import {
  anyObject,
  anyValue,
  arr,
  bool,
  condition,
  customResourceDefinition,
  int,
  obj,
  type Schema,
  str,
  stringMap,
  time,
} from "./schema.ts";

const source = (): Schema =>
  obj({
    repoURL: str(),
    targetRevision: str(),
    path: str(),
    chart: str(),
    ref: str(),
    name: str(),
    directory: obj({ recurse: bool(), include: str(), exclude: str(), jsonnet: anyObject() }),
    kustomize: anyObject(),
    helm: anyObject(),
    plugin: anyObject(),
  });

const syncPolicy = (): Schema =>
  obj({
    automated: obj({ enabled: bool(), prune: bool(), selfHeal: bool(), allowEmpty: bool() }),
    syncOptions: arr(str()),
    retry: anyObject(),
    managedNamespaceMetadata: obj({ labels: stringMap(), annotations: stringMap() }),
  });

const spec = (): Schema =>
  obj({
    project: str(),
    source: source(),
    sources: arr(anyObject()),
    destination: obj({ server: str(), name: str(), namespace: str() }),
    syncPolicy: syncPolicy(),
    ignoreDifferences: arr(anyObject()),
    revisionHistoryLimit: int(),
    dependsOn: arr(str()),
    info: arr(obj({ name: str(), value: str() })),
    sourceHydrator: anyObject(),
  });

const resourceStatus = (): Schema =>
  obj({
    group: str(),
    version: str(),
    kind: str(),
    namespace: str(),
    name: str(),
    status: str(),
    message: str(),
    requiresPruning: bool(),
    hook: bool(),
    health: obj({ status: str(), message: str() }),
  });

const status = (): Schema =>
  obj({
    sync: obj({ status: str(), revision: str(), comparedTo: anyObject() }),
    health: obj({ status: str(), message: str() }),
    resources: arr(resourceStatus()),
    operationState: anyObject(),
    conditions: arr(condition()),
    reconciledAt: time(),
    observedGeneration: int(),
    history: arr(anyObject()),
    summary: anyObject(),
    sluice: anyValue(),
  });

export function applicationCrd(): Record<string, unknown> {
  return customResourceDefinition({
    group: GROUP,
    version: VERSION,
    kind: "Application",
    plural: "applications",
    singular: "application",
    shortNames: ["app", "apps"],
    scope: "Namespaced",
    spec: spec(),
    status: status(),
    root: { operation: anyObject() },
    printerColumns: [
      { name: "Sync", type: "string", jsonPath: ".status.sync.status" },
      { name: "Health", type: "string", jsonPath: ".status.health.status" },
      { name: "Revision", type: "string", jsonPath: ".status.sync.revision" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}
