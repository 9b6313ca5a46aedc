// Child process of bench/rollout-memory.ts: runs sluice's Rollout and AnalysisRun controllers and,
// when the parent writes a line to stdin (every Rollout reconciled, which the parent watches so the
// child holds nothing but the controller), reports memory after a forced GC, and again after
// BENCH_IDLE_MS (30 s) idle; with no Rollouts expected it reports after a second on its own.
//   rollout-memory-child.ts <kubeconfig> <namespace> <expected-count>
import { createInterface } from "node:readline";
import { getHeapSpaceStatistics } from "node:v8";
import { analysisRunController } from "../src/analysis/controller.ts";
import { runSluice } from "../src/app.ts";
import { parseOptions } from "../src/options.ts";
import { rolloutController } from "../src/rollout/controller.ts";
import { createLogger } from "../src/telemetry/logger.ts";
import { rssByMapping } from "./lib/proc.ts";

const [kubeconfig = "", namespace = "", expectedArg = "0"] = process.argv.slice(2);
const expected = Number(expectedArg);
const started = performance.now();

/** Once settled, and again after IDLE_MS with nothing changing: V8 gives back what a burst left. */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);

const mib = (n: number) => Math.round(n / 1048576);

function snapshot() {
  global.gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => [s.space_name, mib(s.space_size)]),
  );
  return {
    rssMiB: mib(rss),
    heapMiB: mib(heapUsed),
    heapTotalMiB: mib(heapTotal),
    externalMiB: mib(external),
    mappings: rssByMapping(),
    spacesMiB: spaces,
  };
}

function report(): void {
  const settledMs = Math.round(performance.now() - started);
  const settled = snapshot();
  setTimeout(
    () => {
      console.log(JSON.stringify({ rollouts: expected, settledMs, ...settled, idle: snapshot() }));
      process.exit(0);
    },
    expected === 0 ? 0 : IDLE_MS,
  );
}

await runSluice(
  { ...parseOptions([], {}), kubeconfig, namespace, leaderElect: false, metricsAddr: "127.0.0.1:0" },
  [rolloutController, analysisRunController],
  createLogger("warn"),
);
if (expected === 0) setTimeout(report, 1000);
else createInterface({ input: process.stdin }).once("line", report);
