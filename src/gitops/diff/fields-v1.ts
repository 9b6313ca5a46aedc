// managedFields' FieldsV1 trie resolved into concrete paths of an object. Keys are "f:<field>",
// "k:<json of the merge keys>" (a list item whose key fields equal these), "v:<json value>" (a set
// item), "i:<index>", and "." (the node itself). A node with no children is an owned field, its
// whole value included; "." alone is not treated as owning what is below it, because in a shared map
// or list item the children carry the ownership that matters.
import type { KubeObject } from "../../kube/types.ts";
import { child, deepEqual, isRecord, type Path, type Token } from "./json.ts";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

export function managedFields(object: KubeObject | undefined): ManagedFieldsEntry[] {
  const entries: unknown = (object?.metadata as Record<string, unknown> | undefined)?.managedFields;
  return Array.isArray(entries) ? entries.filter(isRecord) : [];
}

/** The owned fields of one FieldsV1 trie that exist in `root`. */
export function ownedPaths(fieldsV1: unknown, root: unknown): Path[] {
  const out: Path[] = [];
  if (isRecord(fieldsV1)) walk(fieldsV1, root, [], out);
  return out;
}

function walk(node: Record<string, unknown>, value: unknown, path: Token[], out: Path[]): void {
  const keys = Object.keys(node);
  if (keys.length === 0) {
    if (path.length > 0) out.push(path);
    return;
  }
  for (const key of keys) {
    const sub = node[key];
    if (key === "." || !isRecord(sub)) continue;
    const token = step(key, value);
    if (token === undefined) continue;
    const next = child(value, token);
    if (next !== undefined) walk(sub, next.value, [...path, token], out);
  }
}

/** The token a FieldsV1 key names in `value`, or undefined when it names nothing there. */
function step(key: string, value: unknown): Token | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  if (kind === "f:") return rest;
  if (!Array.isArray(value)) return undefined;
  if (kind === "i:") return /^\d+$/.test(rest) ? Number(rest) : undefined;
  const parsed = parseJson(rest);
  if (parsed === undefined) return undefined;
  let index = -1;
  if (kind === "k:" && isRecord(parsed.value)) {
    const keyFields = Object.entries(parsed.value);
    index = value.findIndex((item) => isRecord(item) && keyFields.every(([k, v]) => deepEqual(item[k], v)));
  } else if (kind === "v:") {
    index = value.findIndex((item) => deepEqual(item, parsed.value));
  }
  return index >= 0 ? index : undefined;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Fields `managers` own in `live`'s managedFields, resolved against `root` (either side). */
export function pathsOwnedBy(
  live: KubeObject | undefined,
  managers: readonly string[],
  root: unknown,
): Path[] {
  return managedFields(live)
    .filter((entry) => entry.manager !== undefined && managers.includes(entry.manager))
    .flatMap((entry) => ownedPaths(entry.fieldsV1, root));
}
