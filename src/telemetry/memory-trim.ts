// Gives memory back after a burst. A burst of work (the first reconcile of 10,000 Rollouts, a bulk
// image change) grows V8's heap ahead of what stays live, and V8's ordinary collections keep the
// pages they freed (fragmented old-space pages, the page pool) mapped: at 10,000 Rollouts, half of
// them routed, resident memory stayed at 450 MiB with 135 MiB live, idle or not. One compacting
// collection that also releases pooled pages (V8's "last resort" flavour, what it runs itself before
// giving up on memory) brings resident memory near the live set. It blocks the event loop for a
// few hundred milliseconds at that size, so it runs only when resident memory is well beyond what
// the live heap explains (twice the heap used plus `fixedBytes` for Node, the code and buffers),
// has grown by `growthBytes` since the last one, and the process has been quiet for an interval:
// after a burst, not during one, and not as a steady workload's heap settles (a 100-Rollout soak
// never triggers it). It needs the collector exposed (`--expose-gc`, in the shipped runtime
// flags); without it this does nothing.
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

/** What one check sees. */
export interface MemoryReading {
  rssBytes: number;
  heapUsedBytes: number;
  /** Share of the last interval the event loop was busy (0–1). */
  utilization: number;
}

export interface TrimPolicy {
  /** What resident memory holds besides the heap: Node, the code, buffers (0 Rollouts: ~106 MiB). */
  fixedBytes: number;
  growthBytes: number;
  /** Busier than this, the process is working: no pause now. */
  maxUtilization: number;
}

export const DEFAULT_TRIM_POLICY: TrimPolicy = {
  fixedBytes: 96 * 1048576,
  growthBytes: 32 * 1048576,
  maxUtilization: 0.5,
};

/**
 * Whether to collect now: resident memory beyond twice the live heap plus the fixed part, grown
 * since the last collection (or the start), and the process quiet.
 */
export function shouldTrim(reading: MemoryReading, lastRssBytes: number, policy: TrimPolicy): boolean {
  return (
    reading.rssBytes >= 2 * reading.heapUsedBytes + policy.fixedBytes &&
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
    const { rss, heapUsed } = process.memoryUsage();
    const reading = {
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      utilization: performance.eventLoopUtilization(loop, lastLoop).utilization,
    };
    lastLoop = loop;
    if (!shouldTrim(reading, baseline, policy)) return;
    const started = performance.now();
    collect({ type: "major", execution: "sync", flavor: "last-resort" });
    baseline = process.memoryUsage.rss();
    const mib = (n: number) => Math.round(n / 1048576);
    logger.debug(
      {
        rssBeforeMiB: mib(reading.rssBytes),
        rssAfterMiB: mib(baseline),
        pauseMs: Math.round(performance.now() - started),
      },
      "memory trimmed after a burst",
    );
    // The collection itself counts as busy time: measure the next interval from here.
    lastLoop = performance.eventLoopUtilization();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
