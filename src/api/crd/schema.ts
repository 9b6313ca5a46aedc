// Small builders for CRD OpenAPI v3 schemas: structure and types only (DESIGN.md §8), so the CRD
// files read as the field lists they are.

export type Schema = Record<string, unknown>;

export const str = (): Schema => ({ type: "string" });
export const int = (): Schema => ({ type: "integer" });
export const bool = (): Schema => ({ type: "boolean" });
export const time = (): Schema => ({ type: "string", format: "date-time" });
export const intOrString = (): Schema => ({ "x-kubernetes-int-or-string": true });
export const arr = (items: Schema): Schema => ({ type: "array", items });
export const stringMap = (): Schema => ({ type: "object", additionalProperties: { type: "string" } });
/** An object whose fields the API server keeps without checking (fields sluice does not model). */
export const anyObject = (): Schema => ({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
/** A value of any JSON type. */
export const anyValue = (): Schema => ({ "x-kubernetes-preserve-unknown-fields": true });

export function obj(properties: Record<string, Schema>, required?: string[]): Schema {
  return required && required.length > 0
    ? { type: "object", properties, required }
    : { type: "object", properties };
}

export const podMetadata = (): Schema => obj({ labels: stringMap(), annotations: stringMap() });

export const labelSelector = (): Schema =>
  obj({
    matchLabels: stringMap(),
    matchExpressions: arr(obj({ key: str(), operator: str(), values: arr(str()) }, ["key", "operator"])),
  });

export const condition = (): Schema =>
  obj(
    {
      type: str(),
      status: str(),
      reason: str(),
      message: str(),
      lastUpdateTime: time(),
      lastTransitionTime: time(),
    },
    ["type", "status"],
  );

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
}

export interface CrdOptions {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  spec: Schema;
  status: Schema;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  /** Top-level fields besides spec and status (an Application's `operation`, as Argo CD has it). */
  root?: Record<string, Schema>;
}

export function customResourceDefinition(o: CrdOptions): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${o.plural}.${o.group}` },
    spec: {
      group: o.group,
      scope: o.scope,
      names: {
        kind: o.kind,
        listKind: `${o.kind}List`,
        plural: o.plural,
        singular: o.singular,
        shortNames: o.shortNames,
        categories: ["sluice"],
      },
      versions: [
        {
          name: o.version,
          served: true,
          storage: true,
          subresources: { status: {}, ...(o.scale ? { scale: o.scale } : {}) },
          additionalPrinterColumns: o.printerColumns,
          schema: {
            openAPIV3Schema: obj({
              apiVersion: str(),
              kind: str(),
              metadata: { type: "object" },
              spec: o.spec,
              status: o.status,
              ...o.root,
            }),
          },
        },
      ],
    },
  };
}
