// Plain JSON values as the diff core sees Kubernetes objects: records, arrays and scalars.

export type Token = string | number;
/** A location inside a JSON value: object keys are strings, array indices numbers. */
export type Path = readonly Token[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

/** One step down: a record key or an array index; undefined when the step does not exist. */
export function child(value: unknown, token: Token): { value: unknown } | undefined {
  if (typeof token === "number") {
    return Array.isArray(value) && token >= 0 && token < value.length ? { value: value[token] } : undefined;
  }
  return isRecord(value) && Object.hasOwn(value, token) ? { value: value[token] } : undefined;
}

export function getAt(root: unknown, path: Path): { value: unknown } | undefined {
  let found: { value: unknown } | undefined = { value: root };
  for (const token of path) {
    found = child(found.value, token);
    if (found === undefined) return undefined;
  }
  return found;
}

/** Sets an existing location (the caller owns `root`, a private copy). False when it does not exist. */
export function setAt(root: unknown, path: Path, value: unknown): boolean {
  const parentPath = path.slice(0, -1);
  const last = path.at(-1);
  const parent = getAt(root, parentPath);
  if (last === undefined || parent === undefined || child(parent.value, last) === undefined) return false;
  (parent.value as Record<string, unknown>)[last as string] = value;
  return true;
}

/** Removes one location from a private copy; array elements are spliced out. */
export function removeAt(root: unknown, path: Path): boolean {
  const last = path.at(-1);
  const parent = getAt(root, path.slice(0, -1));
  if (last === undefined || parent === undefined || child(parent.value, last) === undefined) return false;
  if (Array.isArray(parent.value)) parent.value.splice(last as number, 1);
  else delete (parent.value as Record<string, unknown>)[last as string];
  return true;
}

function compareTokens(a: Token, b: Token): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Ascending path order, a parent before its children. */
export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareTokens(a[i] as Token, b[i] as Token);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Removes many locations from a private copy. Highest array index and deepest path first, so an
 * earlier removal never shifts the index of a later one; duplicates and vanished paths are skipped.
 */
export function removeAll(root: unknown, paths: readonly Path[]): number {
  const sorted = [...paths].sort((a, b) => comparePaths(b, a));
  let removed = 0;
  for (const path of sorted) if (removeAt(root, path)) removed++;
  return removed;
}

/**
 * Drops records and arrays left empty (and empty records inside arrays), as Argo CD does after its
 * ignore rules, so a field emptied on one side equals a field absent on the other.
 */
export function pruneEmpty(value: unknown): void {
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const item: unknown = value[i];
      pruneEmpty(item);
      if (isRecord(item) && Object.keys(item).length === 0) value.splice(i, 1);
    }
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    pruneEmpty(item);
    const empty = Array.isArray(item) ? item.length === 0 : isRecord(item) && Object.keys(item).length === 0;
    if (empty) delete value[key];
  }
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Like removeAll, but a record or array a removal leaves empty goes too (up to, not including, the
 * root): an apply body must not carry `{}` where a list item or a field used to be.
 */
export function removeAllCollapsing(root: unknown, paths: readonly Path[]): void {
  const sorted = [...paths].sort((a, b) => comparePaths(b, a));
  const collapsed = new Set<string>();
  for (const path of sorted) {
    // A collapsed ancestor is gone already; removing "it" again would hit a shifted sibling.
    if (collapsed.has(JSON.stringify(path)) || !removeAt(root, path)) continue;
    for (let parent = path.slice(0, -1); parent.length > 0; parent = parent.slice(0, -1)) {
      const value = getAt(root, parent)?.value;
      const empty = Array.isArray(value)
        ? value.length === 0
        : isRecord(value) && Object.keys(value).length === 0;
      if (!empty) break;
      removeAt(root, parent);
      collapsed.add(JSON.stringify(parent));
    }
  }
}
