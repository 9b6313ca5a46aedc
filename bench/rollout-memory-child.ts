// Child process of bench/rollout-memory.ts: runs sluice's Rollout and AnalysisRun controllers and
// reports RSS once every Rollout in the namespace has been reconciled (observedGeneration set),
// and again after BENCH_IDLE_MS (30 s) idle; after a second when none is expected.
//   rollout-memory-child.ts <kubeconfig> <namespace> <expected-count>
import { analysisRunController } from "../src/analysis/controller.ts";
import type { Rollout } from "../src/api/rollout.ts";
import { runSluice } from "../src/app.ts";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import { parseOptions } from "../src/options.ts";
import { rolloutController } from "../src/rollout/controller.ts";
import { createLogger } from "../src/telemetry/logger.ts";

const [kubeconfig = "", namespace = "", expectedArg = "0"] = process.argv.slice(2);
const expected = Number(expectedArg);
const started = performance.now();

/** Once settled, and again after IDLE_MS with nothing changing: V8 gives back what a burst left. */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);

function report(): void {
  global.gc?.();
  const settledMs = Math.round(performance.now() - started);
  const mib = (n: number) => Math.round(n / 1048576);
  const at = () => {
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    return {
      rssMiB: mib(rss),
      heapMiB: mib(heapUsed),
      heapTotalMiB: mib(heapTotal),
      externalMiB: mib(external),
    };
  };
  const settled = at();
  setTimeout(
    () => {
      global.gc?.();
      console.log(JSON.stringify({ rollouts: expected, settledMs, ...settled, idle: at() }));
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
else {
  // Watch progress with a separate client (its own memory is part of the child's, a small constant).
  const client = new KubeClient(new KubeTransport(loadKubeConfig(kubeconfig), { userAgent: "bench" }));
  const poll = async () => {
    const list = await client.list<Rollout>(Rollouts, { namespace });
    const done = list.items.filter((r) => r.status?.observedGeneration !== undefined).length;
    if (done >= expected) setTimeout(report, 2000);
    else setTimeout(poll, 1000);
  };
  await poll();
}
