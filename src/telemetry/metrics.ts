// The process's Prometheus metrics. Every name starts with sluice_ (DESIGN.md §8).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { InformerMetrics } from "../controller/informer.ts";
import type { QueueMetrics } from "../controller/queue.ts";
import type { ControllerMetrics } from "../controller/runner.ts";
import type { Trim } from "./memory-trim.ts";

/** Latency buckets (seconds) of the reconcile and work-queue histograms. */
const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SluiceMetrics implements ControllerMetrics, InformerMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly reconcileDuration: Histogram<"controller" | "result"> = new Histogram({
    name: "sluice_reconcile_duration_seconds",
    help: "Time one reconcile took, by controller and result (success, requeue, error)",
    labelNames: ["controller", "result"],
    buckets,
    registers: this.registers,
  });
  private readonly reconcileErrors: Counter<"controller"> = new Counter({
    name: "sluice_reconcile_errors_total",
    help: "Reconciles that failed and were retried with backoff",
    labelNames: ["controller"],
    registers: this.registers,
  });
  private readonly queueDepth: Gauge<"name"> = new Gauge({
    name: "sluice_workqueue_depth",
    help: "Keys waiting in the work queue",
    labelNames: ["name"],
    registers: this.registers,
  });
  private readonly queueAdds: Counter<"name"> = new Counter({
    name: "sluice_workqueue_adds_total",
    help: "Keys added to the work queue (after dedup)",
    labelNames: ["name"],
    registers: this.registers,
  });
  private readonly queueRetries: Counter<"name"> = new Counter({
    name: "sluice_workqueue_retries_total",
    help: "Keys re-added with backoff after a failed reconcile",
    labelNames: ["name"],
    registers: this.registers,
  });
  private readonly queueLatency: Histogram<"name"> = new Histogram({
    name: "sluice_workqueue_queue_duration_seconds",
    help: "Time a key waited in the queue before a worker took it",
    labelNames: ["name"],
    buckets,
    registers: this.registers,
  });
  private readonly queueWorkDuration: Histogram<"name"> = new Histogram({
    name: "sluice_workqueue_work_duration_seconds",
    help: "Time a worker spent on a key",
    labelNames: ["name"],
    buckets,
    registers: this.registers,
  });
  private readonly queueLongestRunning: Gauge<"name"> = new Gauge({
    name: "sluice_workqueue_longest_running_processor_seconds",
    help: "How long the longest-running reconcile has been running",
    labelNames: ["name"],
    registers: this.registers,
  });
  private readonly apiRequests: Counter<"verb" | "code"> = new Counter({
    name: "sluice_kube_api_requests_total",
    help: "Requests to the Kubernetes API server by verb and HTTP status (0: no response, or refused by the leader fence)",
    labelNames: ["verb", "code"],
    registers: this.registers,
  });
  private readonly watchRestarts: Counter<"resource" | "reason"> = new Counter({
    name: "sluice_informer_watch_restarts_total",
    help: "Watch connections ended and resumed, by resource and reason",
    labelNames: ["resource", "reason"],
    registers: this.registers,
  });
  private readonly informerObjects: Gauge<"resource"> = new Gauge({
    name: "sluice_informer_cached_objects",
    help: "Objects held in an informer's cache",
    labelNames: ["resource"],
    registers: this.registers,
  });
  readonly leader: Gauge<"lease"> = new Gauge({
    name: "sluice_leader",
    help: "1 while this replica holds the leader lease",
    labelNames: ["lease"],
    registers: this.registers,
  });

  private readonly memoryTrims: Counter = new Counter({
    name: "sluice_memory_trims_total",
    help: "Compacting collections run after a burst to give unused memory back (see memory-trim.ts)",
    registers: this.registers,
  });
  private readonly memoryTrimmedBytes: Counter = new Counter({
    name: "sluice_memory_trimmed_bytes_total",
    help: "Resident memory the trims gave back",
    registers: this.registers,
  });
  private readonly memoryTrimPause: Counter = new Counter({
    name: "sluice_memory_trim_pause_seconds_total",
    help: "Time the event loop was paused by trims",
    registers: this.registers,
  });

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_" });
    new Gauge({
      name: "sluice_build_info",
      help: "Always 1; labels say which build is running",
      labelNames: ["version", "node_version"],
      registers: this.registers,
    }).set({ version, node_version: process.version }, 1);
  }

  reconciled(controller: string, seconds: number, result: "success" | "error" | "requeue"): void {
    this.reconcileDuration.observe({ controller, result }, seconds);
    if (result === "error") this.reconcileErrors.inc({ controller });
  }

  longestRunning(controller: string, seconds: number): void {
    this.queueLongestRunning.set({ name: controller }, seconds);
  }

  queue(name: string): QueueMetrics {
    return {
      depth: (n) => this.queueDepth.set({ name }, n),
      added: () => this.queueAdds.inc({ name }),
      retried: () => this.queueRetries.inc({ name }),
      latency: (s) => this.queueLatency.observe({ name }, s),
      workDuration: (s) => this.queueWorkDuration.observe({ name }, s),
    };
  }

  apiRequest(verb: string, code: number): void {
    this.apiRequests.inc({ verb, code: String(code) });
  }

  watchRestarted(resource: string, reason: string): void {
    this.watchRestarts.inc({ resource, reason });
  }

  memoryTrimmed(trim: Trim): void {
    this.memoryTrims.inc();
    this.memoryTrimmedBytes.inc(Math.max(0, trim.rssBeforeBytes - trim.rssAfterBytes));
    this.memoryTrimPause.inc(trim.pauseSeconds);
  }

  cachedObjects(resource: string, count: number): void {
    this.informerObjects.set({ resource }, count);
  }
}
