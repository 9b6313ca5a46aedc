// RFC 6901 JSON pointers: "/a/b~1c/0" → ["a", "b/c", "0"]. Whether a token is an array index is
// decided against the value it is resolved in, so one pointer works on records and arrays alike.
import { child, type Path, type Token } from "./json.ts";

export type PointerResult = { tokens: string[] } | { error: string };

export function parsePointer(pointer: string): PointerResult {
  if (pointer === "") return { error: "is empty: it names the whole object, which cannot be ignored" };
  if (!pointer.startsWith("/")) return { error: `must start with "/" (RFC 6901), e.g. "/spec/replicas"` };
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split("/")) {
    if (/~(?![01])/.test(raw)) return { error: `has "~" not followed by 0 or 1 (RFC 6901) in "${raw}"` };
    tokens.push(raw.replaceAll("~1", "/").replaceAll("~0", "~"));
  }
  return { tokens };
}

export function formatPointer(path: Path): string {
  return path.map((token) => `/${String(token).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The concrete path a pointer names in `root`, or undefined when it names nothing there. */
export function resolvePointer(root: unknown, tokens: readonly string[]): Path | undefined {
  const path: Token[] = [];
  let current: unknown = root;
  for (const raw of tokens) {
    const token: Token = Array.isArray(current) && ARRAY_INDEX.test(raw) ? Number(raw) : raw;
    if (Array.isArray(current) && typeof token === "string") return undefined;
    const next = child(current, token);
    if (next === undefined) return undefined;
    path.push(token);
    current = next.value;
  }
  return path;
}
