// Where two normalised objects differ, as sorted JSON pointers.

import { deepEqual, isRecord, type Token } from "./json.ts";
import { formatPointer } from "./json-pointer.ts";

/**
 * Records are compared key by key and arrays index by index; a value present on one side only is
 * one path however large it is, and so is a change of type.
 */
export function changedPaths(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  walk(a, b, [], out);
  return out.sort();
}

function walk(a: unknown, b: unknown, path: Token[], out: string[]): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) walkRecords(a, b, path, out);
  else if (Array.isArray(a) && Array.isArray(b)) walkArrays(a, b, path, out);
  else out.push(formatPointer(path));
}

function walkRecords(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  path: Token[],
  out: string[],
): void {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (Object.hasOwn(a, key) && Object.hasOwn(b, key)) walk(a[key], b[key], [...path, key], out);
    else out.push(formatPointer([...path, key]));
  }
}

function walkArrays(a: unknown[], b: unknown[], path: Token[], out: string[]): void {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length && i < b.length) walk(a[i], b[i], [...path, i], out);
    else out.push(formatPointer([...path, i]));
  }
}
