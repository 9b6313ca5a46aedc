// The HA mode's controller: two replicas (a and b) electing a leader on one Lease, each a
// ChaosController of its own with its own identities (chaos-ctl-a-1, chaos-ctl-b-1, ... one per
// incarnation). The kill lane kills -9 the leader or the standby as the schedule's seeded victim
// says, and restarts that replica after the planned downtime; the leader is the replica that
// reported ready, since with leader election the kernel starts (and syncs) only on leading.

import type { Lease } from "../../src/controller/leader-election.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Leases } from "../../src/kube/resources.ts";
import { clockReaches, pending, waitFor } from "../helpers/wait.ts";
import { ChaosController, type IncarnationView, type LeaseLoss } from "./controller.ts";
import type { Fault } from "./schedule.ts";
import type { Window } from "./windows.ts";

/** The Lease the replicas elect on, and its timings (sluice's and the chart's defaults). */
export const LEASE = {
  name: "sluice-controller",
  durationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** A kill -9 of one replica, as the failover check needs it. */
export interface Kill {
  identity: string;
  wasLeader: boolean;
  atMs: number;
}

export class ChaosReplicas {
  private readonly slots: ChaosController[];
  /** Every kill -9 the driver made, in order. */
  readonly kills: Kill[] = [];
  baselineHeap = 0;

  constructor(
    private readonly client: KubeClient,
    kubeconfig: string,
    private readonly namespace: string,
    logDir: string,
    extraArgs: string[],
  ) {
    const leaderElection = [
      "--leader-elect=true",
      `--leader-election-namespace=${namespace}`,
      `--leader-election-id=${LEASE.name}`,
      `--lease-duration=${LEASE.durationMs}ms`,
      `--renew-deadline=${LEASE.renewDeadlineMs}ms`,
      `--retry-period=${LEASE.retryPeriodMs}ms`,
    ];
    this.slots = ["a", "b"].map(
      (slot) =>
        new ChaosController(kubeconfig, namespace, logDir, extraArgs, {
          name: `chaos-ctl-${slot}`,
          leaderElection,
        }),
    );
  }

  /** Replica a first, so it leads and syncs; then b, which stands by. */
  async start(): Promise<void> {
    const [a, b] = this.slots as [ChaosController, ChaosController];
    await a.start(60_000, "ready");
    await b.start(60_000, "up");
    this.baselineHeap = a.baselineHeap;
  }

  get unexpectedExits(): string[] {
    return this.slots.flatMap((s) => s.unexpectedExits);
  }

  get leaseLosses(): LeaseLoss[] {
    return this.slots.flatMap((s) => s.leaseLosses).sort((x, y) => x.atMs - y.atMs);
  }

  get readies(): { identity: string; atMs: number }[] {
    return this.slots.flatMap((s) => s.readies).sort((x, y) => x.atMs - y.atMs);
  }

  get incarnations(): number {
    return this.slots.reduce((n, s) => n + s.incarnations, 0);
  }

  /**
   * The replica leading and synced now, waited for (a failover or a lost lease may be under way);
   * `inStride`: also until the Lease shows it renewed since it acquired it.
   */
  async leader(
    timeoutMs = 60_000,
    inStride = false,
  ): Promise<{ slot: ChaosController; running: IncarnationView }> {
    return waitFor(
      inStride ? "a replica leading, synced, and renewing" : "a replica leading and synced",
      async () => {
        const slot = this.slots.find((s) => s.running?.readyAtMs !== undefined);
        const running = slot?.running;
        if (!slot || !running)
          return pending(this.slots.map((s) => s.running?.identity ?? "(down)").join(", "));
        const renewing = inStride ? await this.renewing(running.identity) : undefined;
        return renewing ? pending(renewing) : { slot, running };
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Why the Lease does not show `identity` renewing yet, or undefined when it does. */
  private async renewing(identity: string): Promise<string | undefined> {
    const lease = await this.client.get<Lease>(
      Leases,
      { namespace: this.namespace, name: LEASE.name },
      { timeoutMs: 5_000 },
    );
    const spec = lease.spec ?? {};
    if (spec.holderIdentity === identity && spec.renewTime !== spec.acquireTime) return undefined;
    return `lease held by ${spec.holderIdentity}, acquired ${spec.acquireTime}, renewed ${spec.renewTime}`;
  }

  /**
   * One kill-controller fault: kill -9 the leader or the standby, restart that replica after the
   * planned downtime, and wait until a replica leads and has synced again. A leader's kill is a
   * controller outage from the kill to then (restartMs: the kill, until the audit log says when the
   * lease was taken); a standby's kill is recorded as a "standby" window, blinding nothing.
   */
  async killFault(fault: Fault, log: (m: string) => void): Promise<Window> {
    // A kill that fell due during the last failover would otherwise hit a leader the moment it
    // synced, before it did any work: the leader has renewed once first (a leader in its stride).
    const { slot: leaderSlot, running: leader } = await this.leader(LEASE.durationMs * 4, true);
    const victimSlot =
      fault.victim === "standby" ? (this.slots.find((s) => s !== leaderSlot) as ChaosController) : leaderSlot;
    // The standby may be restarting (after a lost lease): it is killed once it runs.
    const victim = await waitFor("the victim replica to run", () => victimSlot.running ?? pending("down"));
    const wasLeader = victimSlot === leaderSlot;
    const startMs = Date.now();
    await victimSlot.kill();
    this.kills.push({ identity: victim.identity, wasLeader, atMs: startMs });
    log(`kill -9 ${victim.identity} (${wasLeader ? "the leader" : `the standby; ${leader.identity} leads`})`);
    await clockReaches(startMs + fault.downMs);
    const restartMs = Date.now();
    await victimSlot.start(60_000, "up");
    const next = await this.leader(LEASE.durationMs * 4);
    const endMs = wasLeader ? (next.running.readyAtMs ?? Date.now()) : Date.now();
    log(
      `${victimSlot.running?.identity} up after ${restartMs - startMs} ms down; ${next.running.identity} leads`,
    );
    return wasLeader
      ? { component: "controller", startMs, restartMs: startMs, endMs }
      : { component: "standby", startMs, restartMs, endMs };
  }

  /** V8 heap after a full GC in the leader, against its own heap when it had just synced. */
  async heap(): Promise<{ baseline: number; end: number; identity: string }> {
    const { slot, running } = await this.leader();
    return { baseline: running.heapAtReady, end: await slot.heapAfterGc(), identity: running.identity };
  }

  async stop(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.stop()));
  }
}
