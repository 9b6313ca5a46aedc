// The child side of lib/child.ts: once sluice's informers have synced, print {ready, metricsPort}
// (and webhookPort when the receiver runs); on SIGTERM print the process's own CPU, heap and
// event-loop delay, stop sluice and exit.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { runSluice } from "../../src/app.ts";

type Sluice = Awaited<ReturnType<typeof runSluice>>;

export async function reportToParent(sluice: Sluice): Promise<void> {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  while (sluice.kernel.notReadyReason() !== undefined) await new Promise((r) => setTimeout(r, 50));
  loopDelay.enable();
  const ports = { metricsPort: sluice.metricsPort, webhookPort: sluice.webhookPort };
  console.log(JSON.stringify({ ready: true, ...ports }));
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
}
