// Child process of bench/apps.ts: runs only the Application controller (as src/main.ts wires it,
// leader election off, one namespace), so the RSS and CPU the parent reads from /proc are the
// controller's own. Prints one JSON line when its informer has synced ({ready, metricsPort}); on
// SIGTERM prints its CPU (process.cpuUsage), heap and event-loop delay and exits.
//   apps-child.ts <kubeconfig> <namespace> <repo-cache-dir>
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runSluice } from "../src/app.ts";
import { applicationControllerWith } from "../src/gitops/controller.ts";
import { parseOptions } from "../src/options.ts";
import { createLogger } from "../src/telemetry/logger.ts";

const [kubeconfig, namespace, repoCacheDir] = process.argv.slice(2);
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

const options = {
  ...parseOptions([], {}),
  kubeconfig,
  // The kernel watches every namespace (the apps' objects go to another one); Applications are
  // honoured in `namespace` only.
  namespace: undefined,
  leaderElect: false,
  metricsAddr: "127.0.0.1:0",
};
const sluice = await runSluice(
  options,
  [
    applicationControllerWith({
      ...(namespace ? { namespace } : {}),
      ...(repoCacheDir ? { repoCacheDir } : {}),
    }),
  ],
  createLogger("warn"),
);
while (sluice.kernel.notReadyReason() !== undefined) await new Promise((r) => setTimeout(r, 50));
loopDelay.enable();
console.log(JSON.stringify({ ready: true, metricsPort: sluice.metricsPort }));

process.once("SIGTERM", () => {
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const cpu = process.cpuUsage();
  console.log(
    JSON.stringify({
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      eventLoopP50Ms: ms(loopDelay.percentile(50)),
      eventLoopP99Ms: ms(loopDelay.percentile(99)),
      eventLoopMaxMs: ms(loopDelay.max),
      heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
    }),
  );
  void sluice.stop().then(() => process.exit(0));
});
