// The informer's store: objects by key plus secondary indexes (namespace, owner UID, labels, ...).
// Objects handed out are shared: callers must not mutate them (structuredClone first).
import { objectKey } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";

export type IndexFunc<T> = (object: T) => string[];

export const byNamespace: IndexFunc<KubeObject> = (o) =>
  o.metadata?.namespace ? [o.metadata.namespace] : [];
export const byOwnerUid: IndexFunc<KubeObject> = (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid);
export const byLabel =
  (label: string): IndexFunc<KubeObject> =>
  (o) => {
    const value = o.metadata?.labels?.[label];
    return value === undefined ? [] : [value];
  };

export function keyOf(object: KubeObject): string {
  return objectKey({ namespace: object.metadata?.namespace, name: object.metadata?.name ?? "" });
}

export class ObjectCache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly indexers: Record<string, IndexFunc<T>> = {}) {
    for (const name of Object.keys(indexers)) this.indexes.set(name, new Map());
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  /** Objects whose index `indexName` contains `value`. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`no index ${indexName}`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const item = this.items.get(key);
      if (item) out.push(item);
    }
    return out;
  }

  /** Stores `object` and returns what it replaced. */
  upsert(object: T): T | undefined {
    const key = keyOf(object);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, object);
    this.index(key, object);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private index(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name);
      for (const value of fn(object)) {
        let keys = index?.get(value);
        if (!keys) {
          keys = new Set();
          index?.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name);
      for (const value of fn(object)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
  }
}
