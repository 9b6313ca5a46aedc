// Gives memory back after a burst. A burst of work (the first reconcile of 10,000 Rollouts, a bulk
// image change) grows V8's heap ahead of what stays live, and V8's ordinary collections keep the
// pages they freed (fragmented old-space pages, the page pool) mapped: at 10,000 Rollouts, half of
// them routed, resident memory stayed at 450 MiB with 135 MiB live, idle or not. One compacting
// collection that also releases pooled pages (V8's "last resort" flavour, what it runs itself before
// giving up on memory) brings resident memory near the live set. It blocks the event loop for a
// few hundred milliseconds at that size, so it runs only when resident memory holds far more than
// the live heap and buffers explain (`wasteBytes`; measured: 78 MiB with 0 Rollouts, 105 MiB at a
// 100-Rollout soak's plateau, 195–306 MiB after the 10,000-Rollout settle, 93 MiB once trimmed),
// has grown by `growthBytes` since the last one, and the process has been quiet for an interval:
// after a burst, not during one, and not as a steady workload's heap settles. It needs the
// collector exposed (`--expose-gc`, in the shipped runtime flags); without it this does nothing.
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

/** What one check sees. */
export interface MemoryReading {
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory outside the heap that JS objects hold (Buffers): resident, and not waste. */
  externalBytes: number;
  /** Share of the last interval the event loop was busy (0–1). */
  utilization: number;
}

export interface TrimPolicy {
  /** Resident memory beyond the heap used and external memory, above which a burst left waste. */
  wasteBytes: number;
  growthBytes: number;
  /** Busier than this, the process is working: no pause now. */
  maxUtilization: number;
}

export const DEFAULT_TRIM_POLICY: TrimPolicy = {
  wasteBytes: 160 * 1048576,
  growthBytes: 32 * 1048576,
  maxUtilization: 0.5,
};

/**
 * Whether to collect now: resident memory beyond what the live heap and buffers explain, grown
 * since the last collection (or the start), and the process quiet.
 */
export function shouldTrim(reading: MemoryReading, lastRssBytes: number, policy: TrimPolicy): boolean {
  const waste = reading.rssBytes - reading.heapUsedBytes - reading.externalBytes;
  return (
    waste >= policy.wasteBytes &&
    reading.rssBytes >= lastRssBytes + policy.growthBytes &&
    reading.utilization <= policy.maxUtilization
  );
}

type Collect = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export interface MemoryTrimOptions {
  logger: Logger;
  intervalMs?: number;
  policy?: TrimPolicy;
  /** The collector (default: the one `--expose-gc` puts on globalThis). */
  collect?: Collect | undefined;
  /** Told of each trim (a metric: how often the process paused for one, and what it gave back). */
  onTrim?: (trim: Trim) => void;
}

export interface Trim {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  pauseSeconds: number;
}

/** Checks every interval; returns a stop function. Without a collector it returns a no-op. */
export function startMemoryTrim(options: MemoryTrimOptions): () => void {
  const collect = options.collect ?? (globalThis as { gc?: Collect }).gc;
  const { logger, intervalMs = 10_000, policy = DEFAULT_TRIM_POLICY } = options;
  if (!collect) {
    logger.debug("memory trim off: the collector is not exposed (--expose-gc)");
    return () => undefined;
  }
  let baseline = process.memoryUsage.rss();
  let lastLoop = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const loop = performance.eventLoopUtilization();
    const { rss, heapUsed, external } = process.memoryUsage();
    const reading = {
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      externalBytes: external,
      utilization: performance.eventLoopUtilization(loop, lastLoop).utilization,
    };
    lastLoop = loop;
    if (!shouldTrim(reading, baseline, policy)) return;
    const started = performance.now();
    collect({ type: "major", execution: "sync", flavor: "last-resort" });
    baseline = process.memoryUsage.rss();
    const trim = {
      rssBeforeBytes: reading.rssBytes,
      rssAfterBytes: baseline,
      pauseSeconds: (performance.now() - started) / 1000,
    };
    options.onTrim?.(trim);
    const mib = (n: number) => Math.round(n / 1048576);
    // Info, not debug: rare, and it paused the event loop.
    logger.info(
      {
        rssBeforeMiB: mib(trim.rssBeforeBytes),
        rssAfterMiB: mib(trim.rssAfterBytes),
        pauseMs: Math.round(trim.pauseSeconds * 1000),
      },
      "memory trimmed after a burst",
    );
    // The collection itself counts as busy time: measure the next interval from here.
    lastLoop = performance.eventLoopUtilization();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
