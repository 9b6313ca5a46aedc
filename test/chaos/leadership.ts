// Who held the Lease when, read from the API server's audit log, and the two HA invariants judged
// against it. The audit log, not a watch of the Lease nor the replicas' own reports: it is the API
// server's record of every Lease write (nothing is missed while the driver's watch would be broken
// by the very API server restarts of the run), its timestamps come from the same clock as those of
// the writes being judged, and it records what happened rather than what a replica believed.
//
// A replica holds the lease from each successful Lease write of its own (acquire or renew) until
// its fence closes, renewDeadline later (sluice refuses writes once now − lastRenew ≥
// renewDeadline, and lastRenew is when the renew was *sent*, before the API server received it,
// so the window computed here is never shorter than the fence's), and never past the moment
// another identity's Lease write was received: from then on the lease is the other's.
import { type AuditEvent, auditMatches, describeAudit, SLUICE_AGENT } from "../helpers/audit.ts";
import type { Check } from "./invariants.ts";
import { type Interval, union, type Window } from "./windows.ts";

export interface LeaseTimings {
  namespace: string;
  name: string;
  durationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/**
 * A write the fence let out just before it closed reaches the API server a little later (a loaded
 * 2-core machine, a new TLS connection): the API server's receive time may pass the window's end by
 * this much. Both ends are read off the API server's one clock, so no skew between clocks is in it.
 */
export const RECEIVE_TOLERANCE_MS = 1_000;

/** A failover must be done within leaseDuration + retryPeriod + this (issue 16). */
export const FAILOVER_SLACK_MS = 5_000;

/** The identity a sluice process names in its user agent: `sluice/<version> (<identity>)`. */
export function identityOf(event: AuditEvent): string | undefined {
  const agent = event.userAgent ?? "";
  if (!agent.includes(SLUICE_AGENT)) return undefined;
  return /\(([^()]+)\)\s*$/.exec(agent)?.[1];
}

const receivedAt = (e: AuditEvent) => Date.parse(e.requestReceivedTimestamp ?? "");
const iso = (ms: number) => new Date(ms).toISOString();

export interface LeaseWrite {
  identity: string;
  atMs: number;
}

/** The Lease writes the API server carried out (2xx), oldest first, each with its writer. */
export function leaseWrites(audit: readonly AuditEvent[], lease: LeaseTimings): LeaseWrite[] {
  return audit
    .filter((e) =>
      auditMatches(e, {
        namespace: lease.namespace,
        resource: "leases",
        name: lease.name,
        verbs: ["create", "update", "patch"],
        succeeded: true,
      }),
    )
    .flatMap((e) => {
      const identity = identityOf(e);
      return identity ? [{ identity, atMs: receivedAt(e) }] : [];
    })
    .sort((a, b) => a.atMs - b.atMs);
}

/** Per identity, the intervals in which it held the lease (see the header). */
export function leadershipWindows(
  writes: readonly LeaseWrite[],
  renewDeadlineMs: number,
): Map<string, Interval[]> {
  const byIdentity = new Map<string, Interval[]>();
  for (const [i, w] of writes.entries()) {
    const takenOver = writes.slice(i + 1).find((o) => o.identity !== w.identity)?.atMs;
    const end = Math.min(w.atMs + renewDeadlineMs, takenOver ?? Number.POSITIVE_INFINITY);
    byIdentity.set(w.identity, [...(byIdentity.get(w.identity) ?? []), [w.atMs, end]]);
  }
  for (const [identity, intervals] of byIdentity) byIdentity.set(identity, union(intervals));
  return byIdentity;
}

/**
 * The writes judged: every mutating request of a sluice replica but its Lease writes (they are
 * how leadership is won, not what it guards), server-side dry runs and access reviews (creates
 * that change nothing; sluice sends the reviews past the fence on purpose). Events are included:
 * sluice fences them like any write. Reads are not in the audit log but for Secrets, and are not
 * writes.
 */
export function judgedWrites(audit: readonly AuditEvent[]): AuditEvent[] {
  return audit.filter(
    (e) =>
      e.verb !== "get" &&
      identityOf(e) !== undefined &&
      e.objectRef?.resource !== "leases" &&
      !(e.objectRef?.resource ?? "").endsWith("accessreviews") &&
      !/[?&]dryRun=/.test(e.requestURI),
  );
}

/** Why a write at `atMs` by `identity` was outside its leadership, or undefined when inside. */
function outside(
  identity: string,
  atMs: number,
  windows: Map<string, Interval[]>,
  writes: readonly LeaseWrite[],
): string | undefined {
  const own = windows.get(identity) ?? [];
  if (own.some(([a, b]) => atMs >= a && atMs <= b)) return undefined;
  const holder = [...writes].reverse().find((w) => w.atMs <= atMs);
  if (!holder) return "before anyone held the lease";
  // The tolerance covers a late arrival after the renew deadline, never one after a takeover.
  const late = own.some(([, b]) => atMs > b && atMs <= b + RECEIVE_TOLERANCE_MS);
  if (late && holder.identity === identity) return undefined;
  if (holder.identity !== identity) {
    const since = windows.get(holder.identity)?.find(([a, b]) => a <= atMs && atMs <= b)?.[0];
    return since === undefined
      ? `no one held the lease (${holder.identity} renewed last, at ${iso(holder.atMs)})`
      : `while ${holder.identity} held the lease (since ${iso(since)})`;
  }
  return `${atMs - holder.atMs} ms after its last renew at ${iso(holder.atMs)} (renew deadline passed)`;
}

/**
 * Every judged write inside its writer's leadership window, as two checks: "never two writers"
 * (no write while another identity held the lease) and the fence's own promise (no write from a
 * replica past its renew deadline, or before it ever led, while no one else held the lease).
 */
export function neverTwoWriters(audit: readonly AuditEvent[], lease: LeaseTimings): [Check, Check] {
  const writes = leaseWrites(audit, lease);
  const windows = leadershipWindows(writes, lease.renewDeadlineMs);
  const judged = judgedWrites(audit);
  const twoWriters: string[] = [];
  const pastFence: string[] = [];
  for (const e of judged) {
    const identity = identityOf(e) as string;
    const atMs = receivedAt(e);
    const why = outside(identity, atMs, windows, writes);
    if (!why) continue;
    const ns = e.objectRef?.namespace ? `${e.objectRef.namespace}/` : "";
    const line = `${identity}: ${describeAudit(e)} (${ns}) at ${iso(atMs)}, ${why}`;
    (why.startsWith("while ") ? twoWriters : pastFence).push(line);
  }
  const writers = new Set(judged.map(identityOf)).size;
  const tenures = [...windows.values()].reduce((n, w) => n + w.length, 0);
  return [
    {
      invariant: `never two writers (${judged.length} writes by ${writers} replicas, ${tenures} leadership windows)`,
      checked: judged.length,
      failures: twoWriters,
    },
    { invariant: NO_WRITE_PAST_RENEW_DEADLINE, checked: judged.length, failures: pastFence },
  ];
}

export const NO_WRITE_PAST_RENEW_DEADLINE = `no write past the writer's renew deadline + ${RECEIVE_TOLERANCE_MS} ms (audit log)`;

/** One line per identity: its leadership windows and how many writes it made, for the run's log. */
export function leadershipSummary(
  audit: readonly AuditEvent[],
  lease: LeaseTimings,
  since: number,
): string[] {
  const windows = leadershipWindows(leaseWrites(audit, lease), lease.renewDeadlineMs);
  const counts = new Map<string, number>();
  for (const e of judgedWrites(audit)) {
    const identity = identityOf(e) as string;
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }
  const s = (ms: number) => `${((ms - since) / 1000).toFixed(1)}s`;
  const identities = new Set([...windows.keys(), ...counts.keys()]);
  return [...identities].sort().map((identity) => {
    const held = (windows.get(identity) ?? []).map(([a, b]) => `${s(a)}..${s(b)}`).join(", ");
    return `${identity}: ${counts.get(identity) ?? 0} writes; held the lease ${held || "never"}`;
  });
}

export interface Failover {
  killed: string;
  killedAtMs: number;
  /** The first Lease write by another identity after the kill. */
  takenBy: string | undefined;
  takenAtMs: number | undefined;
  /** leaseDuration + retryPeriod + slack, plus any API server or etcd downtime in between. */
  allowedMs: number;
}

/** Each kill of the leader, and who took the lease over when. */
export function failovers(
  kills: readonly { identity: string; wasLeader: boolean; atMs: number }[],
  writes: readonly LeaseWrite[],
  windows: readonly Window[],
  lease: LeaseTimings,
): Failover[] {
  const base = lease.durationMs + lease.retryPeriodMs + FAILOVER_SLACK_MS;
  return kills
    .filter((k) => k.wasLeader)
    .map((k) => {
      const taken = writes.find((w) => w.atMs > k.atMs && w.identity !== k.identity);
      const until = taken?.atMs ?? k.atMs + base;
      // While the API server cannot be reached no one can take the lease: that time is added.
      const apiDown = union(
        windows
          .filter((w) => w.component === "kube-apiserver" || w.component === "etcd")
          .map((w): Interval => [Math.max(w.startMs, k.atMs), Math.min(w.endMs, until)]),
      ).reduce((sum, [a, b]) => sum + (b - a), 0);
      return {
        killed: k.identity,
        killedAtMs: k.atMs,
        takenBy: taken?.identity,
        takenAtMs: taken?.atMs,
        allowedMs: base + apiDown,
      };
    });
}

export function failoverCheck(list: readonly Failover[], lease: LeaseTimings): Check {
  const took = list.flatMap((f) => (f.takenAtMs === undefined ? [] : [f.takenAtMs - f.killedAtMs]));
  const failures = list.flatMap((f) => {
    const at = iso(f.killedAtMs);
    if (f.takenAtMs === undefined)
      return [`kill -9 of leader ${f.killed} at ${at}: no other replica took the lease`];
    const ms = f.takenAtMs - f.killedAtMs;
    return ms <= f.allowedMs
      ? []
      : [
          `kill -9 of leader ${f.killed} at ${at}: ${f.takenBy} took the lease after ${ms} ms > ${f.allowedMs} ms`,
        ];
  });
  const bound = (lease.durationMs + lease.retryPeriodMs + FAILOVER_SLACK_MS) / 1000;
  const figures =
    took.length > 0
      ? `: ${took.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s, max ${(Math.max(...took) / 1000).toFixed(1)} s`
      : "";
  return {
    invariant: `failover within leaseDuration + retryPeriod + 5 s = ${bound} s (${list.length} failover(s)${figures})`,
    checked: list.length,
    failures,
  };
}
