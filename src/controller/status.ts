// Status writes: one merge patch per reconcile of exactly the fields that changed, skipped when
// nothing did, carrying the resourceVersion the status was computed from (a concurrent change
// gives 409 and a requeue, never a lost update). The ResourceVersionTracker remembers what this
// process wrote so a reconcile never acts on a cached copy older than its own last write.
import type { KubeClient } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { keyOf } from "./cache.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return keysA.length === keysB.length && keysA.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The JSON merge patch (RFC 7386) that turns `from` into `to`, or undefined when they are equal.
 * Removed keys become null; arrays are replaced whole (merge patch cannot edit them).
 */
export function mergePatchBetween(from: unknown, to: unknown): Json | undefined {
  if (jsonEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return (to ?? null) as Json;
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const sub = mergePatchBetween(from[key], value);
    if (sub !== undefined) patch[key] = sub;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Remembers, per object, resourceVersions this process has superseded with its own writes. */
export class ResourceVersionTracker {
  private readonly superseded = new Map<string, { latest: string; older: Set<string> }>();

  recordWrite(key: string, basedOn: string | undefined, written: string | undefined): void {
    if (!written) return;
    const entry = this.superseded.get(key) ?? { latest: written, older: new Set<string>() };
    if (basedOn) entry.older.add(basedOn);
    if (entry.latest !== written) entry.older.add(entry.latest);
    entry.latest = written;
    this.superseded.set(key, entry);
  }

  /**
   * True when `cachedVersion` is one this process already wrote over: the cache has not caught up
   * with our own write yet, so acting on it would undo or repeat that write.
   */
  isStale(key: string, cachedVersion: string | undefined): boolean {
    const entry = this.superseded.get(key);
    if (!entry || !cachedVersion) return false;
    if (entry.older.has(cachedVersion)) return true;
    // The cache reached our write or moved past it: nothing to remember any more.
    this.superseded.delete(key);
    return false;
  }

  forget(key: string): void {
    this.superseded.delete(key);
  }
}

export type StatusWriteResult<T> = { written: false } | { written: true; object: T };

export class StatusWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly fieldManager: string,
    readonly tracker = new ResourceVersionTracker(),
  ) {}

  /** Writes `desired` as the status of `current` if it differs; 409 (stale `current`) throws. */
  async write<T extends KubeObject & { status?: unknown }>(
    type: ResourceType,
    current: T,
    desired: unknown,
  ): Promise<StatusWriteResult<T>> {
    const patch = mergePatchBetween(current.status ?? {}, desired);
    if (patch === undefined) return { written: false };
    const name = current.metadata?.name ?? "";
    const updated = await this.client.mergePatch<T>(
      type,
      { namespace: current.metadata?.namespace, name },
      { status: patch },
      this.fieldManager,
      { resourceVersion: current.metadata?.resourceVersion, subresource: "status" },
    );
    this.tracker.recordWrite(
      keyOf(current),
      current.metadata?.resourceVersion,
      updated.metadata?.resourceVersion,
    );
    return { written: true, object: updated };
  }
}
