// Benchmark of the test control plane itself: time to start, time for N Deployments to get all
// their pods Ready through kwok, and the peak resident memory of each component.
//
//   node --import tsx bench/cluster-footprint.ts [deployments=50] [replicas=3]
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { LocalCluster } from "../test/cluster/cluster.ts";

const deployments = Number(process.argv[2] ?? 50);
const replicas = Number(process.argv[3] ?? 3);

const startedAt = Date.now();
const cluster = await LocalCluster.start();
const startMs = Date.now() - startedAt;
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.info.kubeconfig);
  const apps = kc.makeApiClient(AppsV1Api);
  const namespace = "default";
  const workloadStart = Date.now();
  for (let i = 0; i < deployments; i++) {
    const name = `bench-${i}`;
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
          },
        },
      },
    });
  }
  for (;;) {
    const list = await apps.listNamespacedDeployment({ namespace });
    const ready = list.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
    if (ready === deployments * replicas) break;
    if (Date.now() - workloadStart > 300_000) throw new Error(`only ${ready} pods Ready after 300s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const workloadMs = Date.now() - workloadStart;
  const usage = cluster.memoryUsage();
  console.log(`cluster start (incl. Prometheus): ${(startMs / 1000).toFixed(1)}s`);
  console.log(
    `${deployments} deployments x ${replicas} replicas all Ready: ${(workloadMs / 1000).toFixed(1)}s ` +
      `(${((deployments * replicas) / (workloadMs / 1000)).toFixed(0)} pods/s)`,
  );
  for (const u of usage) console.log(`  ${u.name.padEnd(24)} peak RSS ${u.peakRssMiB} MiB`);
  console.log(`  ${"sum".padEnd(24)} peak RSS ${usage.reduce((n, u) => n + u.peakRssMiB, 0)} MiB`);
} finally {
  await cluster.stop();
}
