// An AnalysisRun argument's valueFrom.fieldRef.fieldPath, read from the Rollout that starts the
// run (Argo's BuildArgumentsForRolloutAnalysisRun). `metadata.` paths take the Kubernetes
// downward-API forms; anything else is walked through the Rollout's JSON. Unlike Argo, a path that
// finds nothing is an error rather than an empty string, so a typo fails the run instead of
// silently querying with a blank argument. The path is parsed by hand: never eval, and only own
// properties are read, so a path cannot reach Object.prototype.

export class FieldRefError extends Error {}

type Segment =
  | { kind: "field"; name: string; end: number }
  | { kind: "index"; index: number; end: number }
  | { kind: "key"; key: string; end: number };

// Names that could reach a prototype if some caller ever indexed without Object.hasOwn.
const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);
const DOWNWARD_FIELDS = new Set(["name", "namespace", "uid"]);
const DOWNWARD_MAPS: Record<string, string> = { labels: "label", annotations: "annotation" };

export function resolveFieldRef(object: unknown, fieldPath: string): string {
  const fail = (why: string) => new FieldRefError(`fieldRef "${fieldPath}": ${why}`);
  const segments = parsePath(fieldPath, fail);
  if (!isRecord(object)) throw fail("the object to resolve against is not an object");
  const [first] = segments;
  if (first?.kind === "field" && first.name === "metadata") {
    return resolveDownward(object, segments, fail);
  }
  return formatValue(walk(object, segments, fieldPath, fail), fail);
}

/** The grammar: name ( `[N]` | `['key']` )* ( `.` name ( `[N]` | `['key']` )* )*. */
function parsePath(path: string, fail: (why: string) => FieldRefError): Segment[] {
  if (path === "") throw fail("the path is empty");
  const segments: Segment[] = [];
  let i = 0;
  for (;;) {
    const name = parseName(path, i, fail);
    segments.push(name);
    i = name.end;
    while (path.charAt(i) === "[") {
      const bracket = parseBracket(path, i, fail);
      segments.push(bracket);
      i = bracket.end;
    }
    if (i === path.length) return segments;
    if (path.charAt(i) !== ".") throw fail(`unexpected "${path.charAt(i)}" at position ${i}`);
    i++;
    if (i === path.length) throw fail("the path ends with '.'");
  }
}

/** A field name starting at `start`, up to the next `.`, `[` or `]`. */
function parseName(path: string, start: number, fail: (why: string) => FieldRefError): Segment {
  let end = start;
  while (end < path.length && !".[]".includes(path.charAt(end))) end++;
  if (end === start) throw fail(`empty field name at position ${start}`);
  const name = path.slice(start, end);
  checkAllowed(name, fail);
  return { kind: "field", name, end };
}

/** `[N]` or `['key']` / `["key"]` starting at `open`; the segment's end is just past the `]`. */
function parseBracket(path: string, open: number, fail: (why: string) => FieldRefError): Segment {
  const quote = path.charAt(open + 1);
  if (quote === "'" || quote === '"') {
    const close = path.indexOf(quote, open + 2);
    if (close < 0) throw fail(`unterminated quote at position ${open + 1}`);
    if (path.charAt(close + 1) !== "]") throw fail(`expected ']' after the quoted key at position ${close}`);
    const key = path.slice(open + 2, close);
    if (key === "") throw fail(`empty key at position ${open}`);
    checkAllowed(key, fail);
    return { kind: "key", key, end: close + 2 };
  }
  const close = path.indexOf("]", open + 1);
  if (close < 0) throw fail(`unterminated '[' at position ${open}`);
  const text = path.slice(open + 1, close);
  const index = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(index)) {
    throw fail(`index "${text}" at position ${open} is not a non-negative integer or a quoted key`);
  }
  return { kind: "index", index, end: close + 1 };
}

function checkAllowed(name: string, fail: (why: string) => FieldRefError): void {
  if (FORBIDDEN.has(name)) throw fail(`"${name}" is not allowed in a field path`);
}

function walk(
  object: Record<string, unknown>,
  segments: Segment[],
  path: string,
  fail: (why: string) => FieldRefError,
): unknown {
  let current: unknown = object;
  let parent = "the object";
  for (const segment of segments) {
    const here = path.slice(0, segment.end);
    current = step(current, segment, parent, here, fail);
    if (current === undefined) throw fail(`${here} not found`);
    if (current === null) throw fail(`${here} is null`);
    parent = here;
  }
  return current;
}

function step(
  current: unknown,
  segment: Segment,
  parent: string,
  here: string,
  fail: (why: string) => FieldRefError,
): unknown {
  if (Array.isArray(current)) {
    // Argo splits paths on '.' as well as brackets, so `containers.0.image` works there too.
    const index =
      segment.kind === "index"
        ? segment.index
        : segment.kind === "field"
          ? arrayIndex(segment.name)
          : undefined;
    if (index === undefined) throw fail(`${parent} is an array; index it with [N]`);
    if (index >= current.length)
      throw fail(`${here} is out of range (${parent} has ${current.length} items)`);
    return current[index];
  }
  if (!isRecord(current)) throw fail(`${parent} is a ${typeof current}, not an object`);
  if (segment.kind === "index") throw fail(`${parent} is an object, not an array`);
  const name = segment.kind === "field" ? segment.name : segment.key;
  return Object.hasOwn(current, name) ? current[name] : undefined;
}

function arrayIndex(name: string): number | undefined {
  const index = Number(name);
  return /^\d+$/.test(name) && Number.isSafeInteger(index) ? index : undefined;
}

/** The forms the kubelet's downward API accepts under metadata (fieldpath.ExtractFieldPathAsString). */
function resolveDownward(
  object: Record<string, unknown>,
  segments: Segment[],
  fail: (why: string) => FieldRefError,
): string {
  const metadata = ownValue(object, "metadata");
  const meta = isRecord(metadata) ? metadata : {};
  const [, second, third, ...rest] = segments;
  if (second?.kind === "field" && rest.length === 0) {
    if (DOWNWARD_FIELDS.has(second.name) && third === undefined) {
      const value = ownValue(meta, second.name);
      if (typeof value !== "string") throw fail(`metadata.${second.name} not found`);
      return value;
    }
    const noun = DOWNWARD_MAPS[second.name];
    if (noun !== undefined && (third === undefined || third.kind === "key"))
      return downwardMap(meta, second.name, noun, third?.key, fail);
  }
  throw fail(
    "unsupported metadata path; use metadata.name, metadata.namespace, metadata.uid, " +
      "metadata.labels['<key>'] or metadata.annotations['<key>']",
  );
}

/** metadata.labels or .annotations: the whole map, or the one entry `key` (which must be there). */
function downwardMap(
  meta: Record<string, unknown>,
  mapName: string,
  noun: string,
  key: string | undefined,
  fail: (why: string) => FieldRefError,
): string {
  const map = ownValue(meta, mapName);
  const entries = isRecord(map) ? map : {};
  if (key === undefined) return formatMap(entries);
  const value = ownValue(entries, key);
  if (typeof value !== "string") throw fail(`${noun} "${key}" not found`);
  return value;
}

/** record[key] when it is the record's own (never an inherited property). */
const ownValue = (record: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * The downward API's rendering of a whole label or annotation map: sorted `key="value"` lines.
 * Go quotes with %q; JSON.stringify gives the same text for printable values.
 */
function formatMap(map: Record<string, unknown>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${JSON.stringify(String(map[key]))}`)
    .join("\n");
}

function formatValue(value: unknown, fail: (why: string) => FieldRefError): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return JSON.stringify(value);
    default:
      throw fail(`the value is a ${typeof value}, not JSON`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
