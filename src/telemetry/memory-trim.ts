// Gives memory back after a burst. A burst of work (the first reconcile of 10,000 Rollouts, a bulk
// image change) grows V8's heap ahead of what stays live, and V8's ordinary collections keep the
// pages they freed (fragmented old-space pages, the page pool) mapped: at 10,000 Rollouts, half of
// them routed, resident memory stayed at 450 MiB with 135 MiB live, idle or not. One compacting
// collection that also releases pooled pages (V8's "last resort" flavour, what it runs itself before
// giving up on memory) brings resident memory near the live set. It blocks the event loop for a
// few hundred milliseconds at that size, so it runs only once resident memory has grown by
// `growthBytes` since the last one and the process has been quiet for an interval — after a burst,
// not during one, and not again until memory grows again. It needs the collector exposed
// (`--expose-gc`, in the shipped runtime flags); without it this does nothing.
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

/** What one check sees. */
export interface MemoryReading {
  rssBytes: number;
  /** Share of the last interval the event loop was busy (0–1). */
  utilization: number;
}

export interface TrimPolicy {
  growthBytes: number;
  /** Busier than this, the process is working: no pause now. */
  maxUtilization: number;
}

export const DEFAULT_TRIM_POLICY: TrimPolicy = { growthBytes: 32 * 1048576, maxUtilization: 0.5 };

/** Whether to collect now: memory grew since the last collection (or start) and the process is quiet. */
export function shouldTrim(reading: MemoryReading, baselineRssBytes: number, policy: TrimPolicy): boolean {
  return (
    reading.rssBytes >= baselineRssBytes + policy.growthBytes && reading.utilization <= policy.maxUtilization
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
    const reading = {
      rssBytes: process.memoryUsage.rss(),
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
