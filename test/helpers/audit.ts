// Reads the API server's audit log (JSON lines, mutating requests only; see
// test/cluster/audit-policy.yaml) so tests can count writes per user agent and field manager.
import { readFile } from "node:fs/promises";
import { ENV, requireEnv } from "./env.ts";

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
