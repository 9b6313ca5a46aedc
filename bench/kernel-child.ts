// Child process of bench/kernel-throughput.ts: runs the sluice kernel with one ConfigMap informer
// and a trivial reconcile, and reports when every object has been reconciled once, with its RSS.
//   kernel-child.ts <kubeconfig> <namespace> <expected-count> <mode: noop|patch>
import { runSluice } from "../src/app.ts";
import type { ControllerSetup } from "../src/controller/kernel.ts";
import { ConfigMaps } from "../src/kube/resources.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { parseOptions } from "../src/options.ts";
import { createLogger } from "../src/telemetry/logger.ts";

const [kubeconfig, namespace, expectedArg, mode] = process.argv.slice(2);
const expected = Number(expectedArg);
const seen = new Set<string>();
let firstAt = 0;
const started = performance.now();

const bench: ControllerSetup = (kernel) => {
  const informer = kernel.informer<KubeObject & { data?: Record<string, string> }>({ type: ConfigMaps });
  const controller = kernel.controller({
    name: "bench",
    workers: 8,
    reconcile: async ({ key }) => {
      const cm = informer.cache.get(key);
      if (!cm?.metadata?.name || !cm.data?.input) return undefined;
      if (mode === "patch" && cm.data.output !== cm.data.input) {
        await kernel.client.mergePatch(
          ConfigMaps,
          { namespace: cm.metadata.namespace, name: cm.metadata.name },
          { data: { output: cm.data.input } },
          "sluice-bench",
        );
      }
      if (firstAt === 0) firstAt = performance.now();
      seen.add(key);
      if (seen.size === expected) report();
      return undefined;
    },
  });
  informer.on((_e, o) => controller.enqueue(`${o.metadata?.namespace}/${o.metadata?.name}`));
};

function report(): void {
  const done = performance.now();
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(
    JSON.stringify({
      objects: expected,
      totalMs: Math.round(done - started),
      reconcileMs: Math.round(done - firstAt),
      perSecond: Math.round(expected / ((done - firstAt) / 1000)),
      rssMiB: Math.round(rss / 1048576),
      heapMiB: Math.round(heapUsed / 1048576),
    }),
  );
  process.exit(0);
}

const options = {
  ...parseOptions([], {}),
  kubeconfig,
  namespace,
  leaderElect: false,
  metricsAddr: "127.0.0.1:0",
};
await runSluice(options, [bench], createLogger("warn"));
if (expected === 0) setTimeout(report, 1000);
