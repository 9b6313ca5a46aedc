// Reads the API server's audit log (JSON lines, mutating requests only; see
// test/cluster/audit-policy.yaml) so tests can count writes per user agent and field manager, and
// claim "no such write" between two points they can name (a mark, then a barrier of their own).
import { randomBytes } from "node:crypto";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { ConfigMaps } from "../../src/kube/resources.ts";
import { ENV, requireEnv } from "./env.ts";
import { testClient } from "./kube.ts";
import { pending, waitFor } from "./wait.ts";

export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    subresource?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
}

export function parseAuditLog(text: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      // The API server may be mid-write of the last line; it is read again on the next call.
    }
  }
  return events.filter((e) => e.stage === "ResponseComplete");
}

export function fieldManagerOf(event: AuditEvent): string | undefined {
  const query = event.requestURI.split("?")[1];
  return query ? (new URLSearchParams(query).get("fieldManager") ?? undefined) : undefined;
}

/** The mutating requests of the audit log. */
export async function readAuditEvents(path = requireEnv(ENV.auditLog)): Promise<AuditEvent[]> {
  return (await readAllAuditEvents(path)).filter((e) => e.verb !== "get");
}

/** Every logged request: the writes, and the reads of Secrets (the only reads the policy logs). */
export async function readAllAuditEvents(path = requireEnv(ENV.auditLog)): Promise<AuditEvent[]> {
  return parseAuditLog(await readFile(path, "utf8"));
}

/** Which requests a test asks about; every field given must match. */
export interface AuditFilter {
  namespace?: string;
  resource?: string;
  /** null: the object itself, not a subresource. */
  subresource?: string | null;
  name?: string;
  verbs?: readonly string[];
  /** Part of the user agent: "sluice/" for any sluice process, "(identity)" for one of them. */
  userAgent?: string;
  fieldManager?: string;
  /** Only requests the API server carried out (2xx). */
  succeeded?: boolean;
}

/** The user-agent part every sluice process sends (src/app.ts: `sluice/<version> (<identity>)`). */
export const SLUICE_AGENT = "sluice/";

export function auditMatches(event: AuditEvent, filter: AuditFilter): boolean {
  const ref = event.objectRef ?? {};
  const code = event.responseStatus?.code ?? 0;
  return (
    (filter.namespace === undefined || ref.namespace === filter.namespace) &&
    (filter.resource === undefined || ref.resource === filter.resource) &&
    (filter.subresource === undefined || (ref.subresource ?? null) === filter.subresource) &&
    (filter.name === undefined || ref.name === filter.name) &&
    (filter.verbs === undefined || filter.verbs.includes(event.verb)) &&
    (filter.userAgent === undefined || (event.userAgent ?? "").includes(filter.userAgent)) &&
    (filter.fieldManager === undefined || fieldManagerOf(event) === filter.fieldManager) &&
    (!filter.succeeded || (code >= 200 && code < 300))
  );
}

/** One line per request, for assertion messages: "delete analysisruns/ok-a 200". */
export function describeAudit(event: AuditEvent): string {
  const ref = event.objectRef ?? {};
  const what = [ref.resource, ref.name, ref.subresource].filter(Boolean).join("/");
  return `${event.verb} ${what} ${event.responseStatus?.code ?? "?"}`;
}

/**
 * A point in the audit log: which file (by inode) and how long it was when the mark was taken. The
 * API server rotates the log at 100 MB (audit.log becomes audit-<time>.log, a new audit.log
 * starts), so a mark names the file, not just an offset.
 */
export interface AuditMark {
  path: string;
  ino: number;
  offset: number;
}

export async function auditMark(path = requireEnv(ENV.auditLog)): Promise<AuditMark> {
  const { ino, size } = await stat(path);
  return { path, ino, offset: size };
}

/** The log's files, oldest first: the rotated ones (their names sort by time), then the live one. */
async function logFiles(path: string): Promise<{ file: string; ino: number }[]> {
  const dir = dirname(path);
  const ext = extname(path);
  const base = basename(path, ext);
  const rotated = (await readdir(dir)).filter((n) => n.startsWith(`${base}-`) && n.endsWith(ext)).sort();
  const files = [...rotated.map((n) => join(dir, n)), path];
  return Promise.all(files.map(async (file) => ({ file, ino: (await stat(file)).ino })));
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size < offset) throw new Error(`audit log ${file} shrank below the mark (${size} < ${offset})`);
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * Requests logged after `mark`, across rotations. A line the API server was writing as the mark
 * was taken loses its start and is skipped: that request had been answered before the mark.
 */
export async function auditSince(mark: AuditMark): Promise<AuditEvent[]> {
  const files = await logFiles(mark.path);
  const at = files.findIndex((f) => f.ino === mark.ino);
  if (at < 0) throw new Error(`the audit log file of the mark (inode ${mark.ino}) is gone`);
  const texts: string[] = [];
  for (const [i, { file }] of files.slice(at).entries())
    texts.push(await readFrom(file, i === 0 ? mark.offset : 0));
  // Rotated while being read: a file may have been missed; the caller reads again.
  const after = await logFiles(mark.path);
  if (after.length !== files.length || after.some((f, i) => f.ino !== files[i]?.ino)) {
    throw new Error("the audit log rotated while it was read");
  }
  return texts.flatMap(parseAuditLog);
}

/**
 * The requests logged since `mark` up to now: a request of the test's own (creating a ConfigMap
 * with a fresh name in `namespace`) is waited for in the log, so every request the API server
 * answered before this call is among those returned — the end of a "no such write" window.
 */
export async function auditUntilNow(mark: AuditMark, namespace: string): Promise<AuditEvent[]> {
  const name = `audit-barrier-${randomBytes(4).toString("hex")}`;
  await testClient().create(
    ConfigMaps,
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace } },
    "sluice-test",
  );
  const barrier = { namespace, resource: "configmaps", name, verbs: ["create"] };
  return waitFor(`the audit log to record ${namespace}/${name}`, async () => {
    const events = await auditSince(mark);
    const at = events.findIndex((e) => auditMatches(e, barrier));
    return at < 0 ? pending(`${events.length} requests since the mark`) : events.slice(0, at);
  });
}
