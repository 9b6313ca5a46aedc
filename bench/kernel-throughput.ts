// Benchmark of the controller kernel (issue: reconcile throughput and memory):
//  - throughput of a trivial reconcile (no API call) over N cached ConfigMaps, objects/s;
//  - throughput when each reconcile makes one merge patch (bounded by the API server);
//  - resident memory of the controller process with 0, 1,000 and 10,000 cached ConfigMaps.
// Each measurement runs the kernel in a fresh child process against a fresh minimal cluster.
//
//   node --import tsx bench/kernel-throughput.ts
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { LocalCluster } from "../test/cluster/cluster.ts";

const run = promisify(execFile);
const benchDir = import.meta.dirname;

async function fill(core: CoreV1Api, namespace: string, count: number): Promise<void> {
  const payload = "x".repeat(200);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `cm-${i}`, labels: { bench: "true" } }, data: { input: `v${i}`, payload } },
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function measure(kubeconfig: string, namespace: string, count: number, mode: "noop" | "patch") {
  const { stdout } = await run(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      join(benchDir, "kernel-child.ts"),
      kubeconfig,
      namespace,
      String(count),
      mode,
    ],
    { cwd: join(benchDir, ".."), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
}

await run("npx", ["tsc", "-p", "tsconfig.bench.json"], { cwd: join(benchDir, "..") });
const cluster = await LocalCluster.start({ minimal: true, prometheus: false });
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.info.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const results: string[] = [];
  let created = 0;
  for (const target of [0, 1000, 10_000]) {
    const namespace = `bench-${target}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const fillStart = performance.now();
    await fill(core, namespace, target);
    created += target;
    const fillMs = performance.now() - fillStart;
    const noop = await measure(cluster.info.kubeconfig, namespace, target, "noop");
    results.push(
      `${String(target).padStart(6)} cached: noop reconcile ${noop.perSecond ?? "-"} objects/s, ` +
        `RSS ${noop.rssMiB} MiB, JS heap ${noop.heapMiB} MiB (fill ${Math.round(fillMs)}ms)`,
    );
    if (target === 1000) {
      const patch = await measure(cluster.info.kubeconfig, namespace, target, "patch");
      results.push(
        `${String(target).padStart(6)} cached: one patch per reconcile ${patch.perSecond} objects/s`,
      );
    }
  }
  console.log(`kernel benchmark (${created} ConfigMaps created, ${new Date().toISOString()})`);
  for (const line of results) console.log(`  ${line}`);
} finally {
  await cluster.stop();
}
