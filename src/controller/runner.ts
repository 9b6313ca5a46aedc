// Runs a reconcile function over a work queue with N workers: errors are logged with the key and
// retried with per-key backoff, `requeueAfterMs` schedules timers, and shutdown drains in-flight work.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { isConflict, isFenced } from "../kube/errors.ts";
import { parseObjectKey } from "../kube/resources.ts";
import { WorkQueue } from "./queue.ts";

export interface ReconcileResult {
  /** Reconcile this key again after this many ms (pause ends, analysis intervals, deadlines). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  key: string;
  reconcileId: string;
  log: Logger;
}

export type Reconciler = (ctx: ReconcileContext) => Promise<ReconcileResult | undefined>;

export interface ControllerMetrics {
  reconciled(controller: string, seconds: number, result: "success" | "error" | "requeue"): void;
  queue(controller: string): import("./queue.ts").QueueMetrics;
  longestRunning(controller: string, seconds: number): void;
}

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  workers?: number;
  logger: Logger;
  metrics?: ControllerMetrics;
  queue?: WorkQueue;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  private gaugeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    const queueMetrics = options.metrics?.queue(options.name);
    this.queue = options.queue ?? new WorkQueue(queueMetrics ? { metrics: queueMetrics } : {});
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  run(): void {
    const count = this.options.workers ?? 2;
    this.options.logger.info({ controller: this.name, workers: count }, "controller started");
    for (let i = 0; i < count; i++) this.workers.push(this.worker());
    if (this.options.metrics) {
      const metrics = this.options.metrics;
      this.gaugeTimer = setInterval(
        () => metrics.longestRunning(this.name, this.queue.longestRunningSeconds()),
        1000,
      );
      this.gaugeTimer.unref();
    }
  }

  /** Stops taking keys and waits for the reconciles in flight to finish. */
  async shutdown(): Promise<void> {
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    await this.queue.shutDownWithDrain();
    await Promise.all(this.workers);
    this.options.logger.info({ controller: this.name }, "controller stopped");
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const reconcileId = randomBytes(6).toString("hex");
    const ref = parseObjectKey(key);
    const log = this.options.logger.child({
      controller: this.name,
      namespace: ref.namespace,
      name: ref.name,
      reconcileID: reconcileId,
    });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.options.reconcile({ key, reconcileId, log });
      const delay = result?.requeueAfterMs;
      if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
        // A NaN or negative delay (an unreadable date upstream) would fire at once, for ever:
        // refused, said with the key, and retried with the queue's backoff instead.
        log.error(
          { requeueAfterMs: String(delay) },
          "reconcile asked for an invalid requeue delay; backing off",
        );
        this.queue.addRateLimited(key);
        this.options.metrics?.reconciled(this.name, seconds(), "error");
        return;
      }
      this.queue.forget(key);
      if (delay !== undefined) {
        this.queue.addAfter(key, delay);
        this.options.metrics?.reconciled(this.name, seconds(), "requeue");
      } else {
        this.options.metrics?.reconciled(this.name, seconds(), "success");
      }
    } catch (error) {
      this.options.metrics?.reconciled(this.name, seconds(), "error");
      if (this.queue.isShuttingDown) return;
      this.queue.addRateLimited(key);
      const attempts = this.queue.numRequeues(key);
      // A 409 means our cache was behind: expected under concurrency, so not worth a warning.
      const level = isConflict(error) || isFenced(error) ? "debug" : "error";
      log[level]({ err: (error as Error).message, attempts }, "reconcile failed; will retry");
    }
  }
}
