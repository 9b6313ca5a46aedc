// Child process of bench/rollouts.ts: runs sluice's Rollout and AnalysisRun controllers on one
// namespace as src/main.ts wires them (leader election off), so the RSS and CPU the parent reads
// from /proc are the controller's own (protocol: lib/child-report.ts).
//   rollouts-child.ts <kubeconfig> <namespace> [workers]
import { analysisRunController } from "../src/analysis/controller.ts";
import { runSluice } from "../src/app.ts";
import { parseOptions } from "../src/options.ts";
import { rolloutController } from "../src/rollout/controller.ts";
import { createLogger } from "../src/telemetry/logger.ts";
import { reportToParent } from "./lib/child-report.ts";

const [kubeconfig, namespace, workers] = process.argv.slice(2);
const options = parseOptions(workers ? ["--workers", workers] : [], {});
const sluice = await runSluice(
  { ...options, kubeconfig, namespace, leaderElect: false, metricsAddr: "127.0.0.1:0" },
  [rolloutController, analysisRunController],
  createLogger("warn"),
);
await reportToParent(sluice);
