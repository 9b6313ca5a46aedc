// Noise the API server adds or that never counts as drift, removed from both sides before comparing.
import type { KubeObject } from "../../kube/types.ts";
import { clone, isRecord } from "./json.ts";

const SERVER_METADATA = [
  "managedFields",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "uid",
  "selfLink",
  "deletionGracePeriodSeconds",
] as const;

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export function isSecret(object: KubeObject): boolean {
  return object.kind === "Secret" && object.apiVersion === "v1";
}

/** A private, normalised copy: server bookkeeping, status and last-applied gone; Secret stringData as data. */
export function normalize(object: KubeObject): Record<string, unknown> {
  const copy = clone(object) as Record<string, unknown>;
  delete copy.status;
  const metadata = copy.metadata;
  if (isRecord(metadata)) {
    for (const field of SERVER_METADATA) delete metadata[field];
    const annotations = metadata.annotations;
    if (isRecord(annotations)) delete annotations[LAST_APPLIED];
    // An empty map and an absent one are the same to the API server.
    for (const field of ["labels", "annotations"]) {
      const map = metadata[field];
      if (isRecord(map) && Object.keys(map).length === 0) delete metadata[field];
    }
  }
  if (isSecret(object)) foldStringData(copy);
  return copy;
}

// The API server stores stringData as base64 data (stringData wins over data for the same key);
// a dry run may echo stringData back, live never has it.
function foldStringData(secret: Record<string, unknown>): void {
  const stringData = secret.stringData;
  delete secret.stringData;
  if (!isRecord(stringData)) return;
  const data: Record<string, unknown> = isRecord(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(typeof value === "string" ? value : "", "utf8").toString("base64");
  }
  secret.data = data;
}
