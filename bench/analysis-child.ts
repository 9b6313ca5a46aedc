// Child process of bench/analysis-scheduling.ts: runs only the AnalysisRun controller (as
// src/main.ts wires it), so the RSS and CPU the parent reads from /proc are the controller's own.
// Prints one JSON line when its informer has synced ({ready, metricsPort}); on SIGTERM prints its
// event-loop delay and heap ({eventLoop...}) and exits.
//   analysis-child.ts <kubeconfig> <namespace>
import { monitorEventLoopDelay } from "node:perf_hooks";
import { analysisRunController } from "../src/analysis/controller.ts";
import { runSluice } from "../src/app.ts";
import { parseOptions } from "../src/options.ts";
import { createLogger } from "../src/telemetry/logger.ts";

const [kubeconfig, namespace] = process.argv.slice(2);
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

// BENCH_ANALYSIS_WORKERS sets --workers, to show whether the workers are the bottleneck.
const options = {
  ...parseOptions(
    process.env.BENCH_ANALYSIS_WORKERS ? [`--workers=${process.env.BENCH_ANALYSIS_WORKERS}`] : [],
    {},
  ),
  kubeconfig,
  namespace,
  leaderElect: false,
  metricsAddr: "127.0.0.1:0",
};
const sluice = await runSluice(options, [analysisRunController], createLogger("warn"));
while (sluice.kernel.notReadyReason() !== undefined) await new Promise((r) => setTimeout(r, 50));
loopDelay.enable();
console.log(JSON.stringify({ ready: true, metricsPort: sluice.metricsPort }));

process.once("SIGTERM", () => {
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  console.log(
    JSON.stringify({
      eventLoopP50Ms: ms(loopDelay.percentile(50)),
      eventLoopP99Ms: ms(loopDelay.percentile(99)),
      eventLoopMaxMs: ms(loopDelay.max),
      heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
    }),
  );
  void sluice.stop().then(() => process.exit(0));
});
