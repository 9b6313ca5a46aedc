// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a lease held by
// someone else is taken only after it has not changed for leaseDuration as observed on *our*
// clock (no trust in other clocks); the holder renews every retryPeriod; and the holder that has
// not renewed for renewDeadline stops leading. fence() is what src/kube consults before every
// write, so a leader that was paused (SIGSTOP, GC pause) writes nothing once it may have lost.
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../kube/errors.ts";
import { Leases } from "../kube/resources.ts";
import type { FenceState } from "../kube/transport.ts";
import type { KubeObject } from "../kube/types.ts";
import { sleep } from "./clock.ts";

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger: Logger;
  now?: () => number;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  onNewLeader?: (identity: string) => void;
}

const FIELD_MANAGER = "sluice-leader-election";

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** A lease's holder and renew time, and when (on our clock) this replica first saw them. */
interface ObservedLease {
  holder: string;
  renewTime: string;
  at: number;
}

export class LeaderElector {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private leading = false;
  /** When the last successful renew was *sent* (conservative: the server may have seen it later). */
  private lastRenewSentAt = 0;
  private observed: ObservedLease | undefined;
  private lease: Lease | undefined;
  private readonly now: () => number;
  private currentLeader = "";

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.now = options.now ?? Date.now;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error("renewDeadline must be less than leaseDuration");
  }

  get isLeader(): boolean {
    return this.leading && this.now() - this.lastRenewSentAt < this.renewDeadlineMs;
  }

  /** Why writes must be refused now, or undefined when this process may write. */
  fence(): string | undefined {
    const state = this.writeWindow();
    return "refused" in state ? state.refused : undefined;
  }

  /** The write fence for src/kube: refused with why, or open for so many more milliseconds. */
  writeWindow(): FenceState {
    if (!this.leading) return { refused: "this replica is not the leader" };
    const since = this.now() - this.lastRenewSentAt;
    if (since >= this.renewDeadlineMs) {
      return { refused: `leader lease not renewed for ${since}ms (renewDeadline ${this.renewDeadlineMs}ms)` };
    }
    return { openMs: this.renewDeadlineMs - since };
  }

  /** Campaigns until leading, then renews until leadership is lost or `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const log = this.options.logger;
    while (!signal.aborted && !this.leading) {
      await this.tryAcquireOrRenew().catch((error: Error) =>
        log.warn({ err: error.message }, "lease acquire failed"),
      );
      if (!this.leading) await sleep(this.retryPeriodMs, signal);
    }
    if (signal.aborted) return;
    log.info({ lease: this.options.name, identity: this.options.identity }, "became leader");
    await this.options.onStartedLeading();
    while (!signal.aborted) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted) break;
      // Check the deadline before talking to the API server: a process resumed after a long pause
      // must not even try to renew a lease someone else may hold by now.
      if (this.now() - this.lastRenewSentAt >= this.renewDeadlineMs) break;
      await this.tryAcquireOrRenew().catch((error: Error) =>
        log.warn({ err: error.message }, "lease renew failed"),
      );
      if (!this.leading) break;
    }
    const wasLeading = this.leading;
    this.leading = false;
    if (signal.aborted) return;
    log.warn({ lease: this.options.name, wasLeading }, "leadership lost");
    await this.options.onStoppedLeading();
  }

  /** Gives the lease up (on graceful shutdown) so another replica takes over without waiting. */
  async release(): Promise<void> {
    if (!this.leading || !this.lease || !this.isLeader) return;
    this.leading = false;
    const lease = structuredClone(this.lease);
    lease.spec = {
      ...lease.spec,
      holderIdentity: null,
      leaseDurationSeconds: 1,
      renewTime: microTime(this.now()),
    };
    await this.options.client
      .update(Leases, lease, FIELD_MANAGER, { bypassFence: true })
      .catch((error: Error) => this.options.logger.warn({ err: error.message }, "lease release failed"));
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    const sentAt = this.now();
    let lease: Lease;
    try {
      // A renewal never outlasts the renew deadline, however the connection hangs.
      lease = await client.get<Lease>(Leases, { namespace, name }, { timeoutMs: this.renewDeadlineMs });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.createLease(sentAt);
      return;
    }
    const observed = this.observe(lease);
    const heldByOther = observed.holder !== "" && observed.holder !== identity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    if (heldByOther && observed.at + durationMs > this.now()) {
      this.leading = false;
      return;
    }
    await this.takeOrRenew(lease, sentAt);
  }

  /** No lease yet: create it held by us (another replica creating it first is no error). */
  private async createLease(sentAt: number): Promise<void> {
    const { client, namespace, name } = this.options;
    const created = await client
      .create<Lease>(
        Leases,
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { namespace, name },
          spec: this.holdSpec(undefined, sentAt),
        },
        FIELD_MANAGER,
        { bypassFence: true },
      )
      .catch((e: unknown) => {
        if (isAlreadyExists(e)) return undefined;
        throw e;
      });
    if (created) this.acquired(created, sentAt);
  }

  /** Notes what the lease says when it changed (timed from now, on our clock); reports a new leader. */
  private observe(lease: Lease): ObservedLease {
    const holder = lease.spec?.holderIdentity ?? "";
    const renewTime = lease.spec?.renewTime ?? "";
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: this.now() };
      if (holder !== this.currentLeader) {
        this.currentLeader = holder;
        if (holder) this.options.onNewLeader?.(holder);
      }
    }
    return this.observed;
  }

  /** Writes the lease held by us; a conflict means someone else wrote it since we read it. */
  private async takeOrRenew(lease: Lease, sentAt: number): Promise<void> {
    const updated = structuredClone(lease);
    updated.spec = this.holdSpec(lease, sentAt);
    try {
      this.acquired(
        await this.options.client.update<Lease>(Leases, updated, FIELD_MANAGER, {
          bypassFence: true,
          timeoutMs: this.renewDeadlineMs,
        }),
        sentAt,
      );
    } catch (error) {
      if (isConflict(error)) {
        // Someone else wrote the lease since we read it: they may have taken it.
        this.leading = false;
        return;
      }
      throw error;
    }
  }

  private holdSpec(previous: Lease | undefined, at: number): NonNullable<Lease["spec"]> {
    const { identity } = this.options;
    const spec = previous?.spec ?? {};
    const transition = spec.holderIdentity !== identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: transition ? microTime(at) : (spec.acquireTime ?? microTime(at)),
      renewTime: microTime(at),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (transition && previous ? 1 : 0),
    };
  }

  private acquired(lease: Lease, sentAt: number): void {
    this.lease = lease;
    this.leading = true;
    this.lastRenewSentAt = sentAt;
    this.observed = { holder: this.options.identity, renewTime: lease.spec?.renewTime ?? "", at: this.now() };
    if (this.currentLeader !== this.options.identity) {
      this.currentLeader = this.options.identity;
      this.options.onNewLeader?.(this.options.identity);
    }
  }
}
