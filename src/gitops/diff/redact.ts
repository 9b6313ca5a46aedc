// Secret values never reach status, Events or logs.
import type { KubeObject } from "../../kube/types.ts";
import { clone, isRecord } from "./json.ts";
import { isSecret, LAST_APPLIED } from "./normalize.ts";

export const REDACTED = "++++++++";

/** A copy with Secret data/stringData values (and a last-applied copy of them) masked; others as is. */
export function redact(object: KubeObject): KubeObject {
  if (!isSecret(object)) return object;
  const copy = clone(object) as KubeObject & Record<string, unknown>;
  for (const field of ["data", "stringData"]) {
    const values = copy[field];
    if (!isRecord(values)) continue;
    for (const key of Object.keys(values)) values[key] = REDACTED;
  }
  // kubectl apply keeps the whole Secret, values included, in this annotation.
  const annotations = copy.metadata?.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) annotations[LAST_APPLIED] = REDACTED;
  return copy;
}
