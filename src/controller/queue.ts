// A work queue with client-go semantics: a key is queued at most once (dedup), processed by at
// most one worker at a time (a key added while it is processed is processed again after done()),
// delayed adds keep the earliest due time, and failures back off per key.
import { ExponentialRateLimiter, type RateLimiter } from "./backoff.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";

export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  /** Time a key waited in the queue, and time a worker spent on it, in seconds. */
  latency(seconds: number): void;
  workDuration(seconds: number): void;
}

export interface QueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
  metrics?: QueueMetrics;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { due: number; timer: TimerHandle }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<string>;
  private readonly metrics: QueueMetrics | undefined;

  constructor(options: QueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.limiter = options.rateLimiter ?? new ExponentialRateLimiter();
    this.metrics = options.metrics;
  }

  get length(): number {
    return this.queue.length;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `delayMs`; if it is already waiting, the earlier due time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing && existing.due <= due) return;
    if (existing) this.clock.clearTimeout(existing.timer);
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { due, timer });
  }

  /** Re-adds `key` after its backoff delay (a failed reconcile). */
  addRateLimited(key: string): void {
    this.metrics?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears the failure count of `key` (a successful reconcile). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Waits for the next key; undefined once the queue shuts down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    // Keys still queued at shutdown are not handed out: the drain finishes only what is running.
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    const started = this.processing.get(key);
    if (started !== undefined) this.metrics?.workDuration((this.clock.now() - started) / 1000);
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Seconds the longest-running key has been processed (0 when idle). */
  longestRunningSeconds(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const started of this.processing.values()) oldest = Math.min(oldest, started);
    return Number.isFinite(oldest) ? (this.clock.now() - oldest) / 1000 : 0;
  }

  /** Stops handing out keys; pending get() calls resolve undefined; waits for in-flight keys. */
  async shutDownWithDrain(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    if (this.processing.size > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) getter(this.take(key));
    else {
      this.queue.push(key);
      this.metrics?.depth(this.queue.length);
    }
  }

  private take(key: string): string {
    this.metrics?.depth(this.queue.length);
    this.processing.set(key, this.clock.now());
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics?.latency((this.clock.now() - added) / 1000);
    return key;
  }
}
