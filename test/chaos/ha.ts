// The HA mode's evidence: the outage windows the replicas' failovers and lost leases make (known
// exactly only from the audit log, once the faults are over), and its two invariants.
import type { AuditEvent } from "../helpers/audit.ts";
import type { Check } from "./invariants.ts";
import {
  failoverCheck,
  failovers,
  type LeaseTimings,
  type LeaseWrite,
  leaseWrites,
  neverTwoWriters,
} from "./leadership.ts";
import { type ChaosReplicas, LEASE } from "./replicas.ts";
import type { Window } from "./windows.ts";

export const leaseTimings = (namespace: string): LeaseTimings => ({ namespace, ...LEASE });

/**
 * The controller windows of an HA run, made exact where the driver could not know:
 * - a killed leader's window says the controller may act again (restartMs) from the kill, until the
 *   audit log says when another replica took the lease;
 * - a replica that exited on losing the lease leaves no leader from its last renew (at the latest a
 *   renew deadline before the exit) until the next replica led and synced; unknown to the driver's
 *   lanes, such a gap is added as a controller window that may act again at any moment in it.
 */
export function haWindows(
  windows: readonly Window[],
  replicas: ChaosReplicas,
  writes: readonly LeaseWrite[],
  lease: LeaseTimings,
): Window[] {
  const refined = windows.map((w) => {
    const kill = replicas.kills.find((k) => k.wasLeader && k.atMs === w.startMs);
    if (w.component !== "controller" || !kill) return w;
    const taken = writes.find((l) => l.atMs > kill.atMs && l.identity !== kill.identity)?.atMs;
    return taken === undefined ? w : { ...w, restartMs: Math.min(Math.max(taken, w.startMs), w.endMs) };
  });
  const losses = replicas.leaseLosses.map((loss): Window => {
    const startMs = loss.atMs - lease.renewDeadlineMs;
    const next = replicas.readies.find((r) => r.atMs > loss.atMs)?.atMs ?? Date.now();
    return { component: "controller", startMs, restartMs: startMs, endMs: next };
  });
  return [...refined, ...losses].sort((a, b) => a.startMs - b.startMs);
}

/** The HA invariants: never two writers; every failover in time (lost leases listed, not timed). */
export function haChecks(
  audit: readonly AuditEvent[],
  windows: readonly Window[],
  replicas: ChaosReplicas,
  lease: LeaseTimings,
): Check[] {
  const writes = leaseWrites(audit, lease);
  const failover = failoverCheck(failovers(replicas.kills, writes, windows, lease), lease);
  const losses = replicas.leaseLosses;
  const lost = losses.length === 0 ? "" : `; lost the lease: ${losses.map((l) => l.identity).join(", ")}`;
  return [...neverTwoWriters(audit, lease), { ...failover, invariant: `${failover.invariant}${lost}` }];
}
