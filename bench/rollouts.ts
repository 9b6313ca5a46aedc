// Benchmark of the Rollout controller (issue 16's `rollouts`): N Rollouts of 1 replica each, canary
// with steps (setWeight 50, a 1 s pause, then 100), every other one routed through nginx (stable and
// canary Services and a stable Ingress each), on a fresh local cluster with kwok and the bench-only
// control-plane settings, while the controller runs alone in a child process. Reports:
//  - time from the first create to all N Healthy (first deploy: stable at once);
//  - steady state (30 s with nothing changing): controller RSS, CPU seconds, API requests;
//  - a bulk image change of all N: time until every Rollout is Healthy on the new template, the
//    controller's reconcile and queue latency (p50/p99 from its histograms), and its writes per
//    rollout update (audit log);
//  - controller RSS peak and CPU over the run, control-plane CPU apart.
// Prints a table and writes the raw figures to .sluice/bench/rollouts-<time>.json.
//
//   npm run bench -- rollouts [--count 1000] [--workers 10] [--keep] [--stock]
// (--workers: the controller's reconcile workers, default 10 as shipped)
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { Namespaces, Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import { type ComponentName, LocalCluster } from "../test/cluster/cluster.ts";
import { installDevCrds } from "../test/tools/crds.ts";
import { auditServerMs, auditWrites, totalOf } from "./lib/audit.ts";
import { type BenchChild, startBenchChild } from "./lib/child.ts";
import { observeRollouts } from "./lib/healthy.ts";
import { requestsByVerb, rolloutLatencies, scrape } from "./lib/metrics.ts";
import { procStats, rssSampler } from "./lib/proc.ts";
import { writeBenchJson } from "./lib/results.ts";
import { BENCH_MANAGER, benchRollout, createRouting, forEachIndex } from "./lib/rollouts.ts";
import { spread } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    stock: { type: "boolean", default: false },
    workers: { type: "string", default: "10" },
  },
  strict: true,
});
const COUNT = Number(flags.count);
const WORKERS = Number(flags.workers);
if (!Number.isInteger(COUNT) || COUNT < 1 || !Number.isInteger(WORKERS) || WORKERS < 1) {
  console.error("usage: npm run bench -- rollouts [--count N] [--workers W] [--keep] [--stock]");
  process.exit(2);
}
const NS = "bench-rollouts";
const MANAGER = BENCH_MANAGER;
const STEPS = [{ setWeight: 50 }, { pause: { duration: "1s" } }];
/** Every other Rollout is routed through nginx. */
const routed = (i: number) => i % 2 === 0;
const TIMEOUT_MS = 180_000 + COUNT * 200;
const STEADY_MS = 30_000;

const CONTROL_PLANE: ComponentName[] = ["kube-apiserver", "etcd"];
const OTHERS: ComponentName[] = ["kube-controller-manager", "kube-scheduler", "kwok"];
const cpuOf = (cluster: LocalCluster, names: ComponentName[]) =>
  names.reduce((sum, name) => sum + procStats(cluster.component(name).pid).cpuSeconds, 0);

async function prepare(cluster: LocalCluster, client: KubeClient): Promise<void> {
  await installDevCrds(cluster.info.kubeconfig);
  await client.create(Namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, MANAGER);
  await createRouting(client, NS, COUNT, routed);
}

/** From the first create to all Healthy, then the steady window. */
async function firstDeploy(cluster: LocalCluster, client: KubeClient, child: BenchChild) {
  const seen = observeRollouts(client, NS, COUNT);
  const m0 = await scrape(child.metricsPort);
  const t0 = Date.now();
  await forEachIndex(COUNT, (i) => client.create(Rollouts, benchRollout(NS, i, STEPS, routed(i)), MANAGER));
  const allHealthy = await seen.allHealthy(TIMEOUT_MS);
  const healthyMs = (allHealthy ? seen.lastAt() : Date.now()) - t0;
  const m1 = await scrape(child.metricsPort);
  const s0 = procStats(child.pid);
  const cp0 = cpuOf(cluster, CONTROL_PLANE);
  await new Promise((r) => setTimeout(r, STEADY_MS));
  const s1 = procStats(child.pid);
  const m2 = await scrape(child.metricsPort);
  await seen.stop();
  return {
    allHealthy,
    stragglers: COUNT - seen.healthyCount(),
    healthyMs,
    requests: totalOf(requestsByVerb(m0, m1)),
    steady: {
      seconds: STEADY_MS / 1000,
      rssMiB: s1.rssMiB,
      controllerCpuSeconds: s1.cpuSeconds - s0.cpuSeconds,
      apiserverEtcdCpuSeconds: cpuOf(cluster, CONTROL_PLANE) - cp0,
      requests: requestsByVerb(m1, m2),
      endAt: Date.now(),
    },
  };
}

/** Every template changed to web:2 at once; until all are Healthy on it. */
async function bulkUpdate(cluster: LocalCluster, client: KubeClient, child: BenchChild) {
  const seen = observeRollouts(client, NS, COUNT);
  const m0 = await scrape(child.metricsPort);
  const c0 = procStats(child.pid);
  const cp0 = cpuOf(cluster, CONTROL_PLANE);
  const others0 = cpuOf(cluster, OTHERS);
  const t0 = Date.now();
  seen.reset();
  await forEachIndex(COUNT, (i) =>
    client.mergePatch(
      Rollouts,
      { namespace: NS, name: `web-${i}` },
      { spec: { template: { spec: { containers: [{ name: "web", image: "web:2" }] } } } },
      MANAGER,
    ),
  );
  const patchMs = Date.now() - t0;
  const allHealthy = await seen.allHealthy(TIMEOUT_MS);
  const doneAt = allHealthy ? seen.lastAt() : Date.now();
  const m1 = await scrape(child.metricsPort);
  const c1 = procStats(child.pid);
  await seen.stop();
  return {
    allHealthy,
    stragglers: COUNT - seen.healthyCount(),
    patchMs,
    healthyMs: doneAt - t0,
    startAt: t0,
    endAt: Date.now(),
    controllerCpuSeconds: c1.cpuSeconds - c0.cpuSeconds,
    apiserverEtcdCpuSeconds: cpuOf(cluster, CONTROL_PLANE) - cp0,
    kcmSchedulerKwokCpuSeconds: cpuOf(cluster, OTHERS) - others0,
    requests: requestsByVerb(m0, m1),
    ...rolloutLatencies(m0, m1),
  };
}

type Result = {
  first: Awaited<ReturnType<typeof firstDeploy>>;
  update: Awaited<ReturnType<typeof bulkUpdate>>;
  rssPeakMiB: number;
  writesPerUpdate: Record<string, number>;
  /** The API server's own time over each controller write of the bulk change (audit log), ms. */
  serverMsPerWrite: { p50: number; p99: number; max: number };
  child: Record<string, number>;
};

const f = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f(v, k.includes(".") ? 2 : 0)}`)
    .join(", ") || "-";

function printTable(r: Result): void {
  const rows: [string, string][] = [
    [
      "first deploy: all Healthy",
      `${f(r.first.healthyMs / 1000, 1)} s${r.first.allHealthy ? "" : ` (TIMED OUT, ${r.first.stragglers} not Healthy)`}`,
    ],
    [`steady ${r.first.steady.seconds} s: controller RSS`, `${f(r.first.steady.rssMiB)} MiB`],
    ["steady: controller CPU", `${f(r.first.steady.controllerCpuSeconds, 2)} s`],
    ["steady: controller API requests", counts(r.first.steady.requests)],
    ["bulk image change: patches sent in", `${f(r.update.patchMs / 1000, 1)} s`],
    [
      "bulk image change: all Healthy on web:2",
      `${f(r.update.healthyMs / 1000, 1)} s${r.update.allHealthy ? "" : ` (TIMED OUT, ${r.update.stragglers} not Healthy)`}`,
    ],
    ["  reconcile p50 / p99", `${f(r.update.reconcileP50Ms, 1)} / ${f(r.update.reconcileP99Ms, 1)} ms`],
    [
      "  reconciles, per second, mean",
      `${f(r.update.reconciles)}, ${f(r.update.reconciles / (r.update.healthyMs / 1000), 1)}/s, ${f(r.update.reconcileMeanMs, 1)} ms (${WORKERS} workers)`,
    ],
    ["  queue wait p50 / p99", `${f(r.update.queueP50Ms, 1)} / ${f(r.update.queueP99Ms, 1)} ms`],
    ["  controller writes per rollout update (audit)", counts(r.writesPerUpdate)],
    [
      "  API server time per controller write p50 / p99",
      `${f(r.serverMsPerWrite.p50, 1)} / ${f(r.serverMsPerWrite.p99, 1)} ms (max ${f(r.serverMsPerWrite.max)})`,
    ],
    ["  controller API requests (all verbs)", counts(r.update.requests)],
    [
      "  CPU: controller / apiserver+etcd / kcm+sched+kwok",
      `${f(r.update.controllerCpuSeconds, 1)} / ${f(r.update.apiserverEtcdCpuSeconds, 1)} / ${f(r.update.kcmSchedulerKwokCpuSeconds, 1)} s`,
    ],
    ["controller RSS peak over the run", `${f(r.rssPeakMiB)} MiB`],
    ["controller heap at the end", `${f(r.child.heapMiB ?? Number.NaN)} MiB`],
    [
      "event loop delay p99 / max",
      `${f(r.child.eventLoopP99Ms ?? Number.NaN, 1)} / ${f(r.child.eventLoopMaxMs ?? Number.NaN, 1)} ms`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

function writeJson(result: Result): Promise<string> {
  return writeBenchJson("rollouts", { count: COUNT, workers: WORKERS, stock: flags.stock, ...result });
}

async function main(): Promise<void> {
  // kwok nodes hold 110 pods; a canary doubles a routed Rollout's pods for a moment.
  const nodes = Math.max(3, Math.ceil((COUNT * 2) / 100) + 1);
  const cluster = await LocalCluster.start({
    prometheus: false,
    bench: !flags.stock,
    nodes,
    detached: flags.keep,
  });
  const transport = new KubeTransport(loadKubeConfig(cluster.info.kubeconfig), { userAgent: MANAGER });
  let child: BenchChild | undefined;
  try {
    const client = new KubeClient(transport);
    await prepare(cluster, client);
    child = await startBenchChild("rollouts-child.ts", [cluster.info.kubeconfig, NS, String(WORKERS)]);
    const rss = rssSampler(child.pid);
    const first = await firstDeploy(cluster, client, child);
    const update = await bulkUpdate(cluster, client, child);
    rss.stop();
    const childReport = await child.stop();
    child = undefined;
    const audit = await auditWrites(cluster.info.auditLog, [
      ["before", update.startAt],
      ["update", update.endAt],
    ]);
    const writesPerUpdate = Object.fromEntries(
      Object.entries(audit.update ?? {}).map(([k, v]) => [k, v / COUNT] as const),
    );
    const serverMsPerWrite = spread(await auditServerMs(cluster.info.auditLog, update.startAt, update.endAt));
    const result: Result = {
      first,
      update,
      rssPeakMiB: rss.peak(),
      writesPerUpdate,
      serverMsPerWrite,
      child: childReport,
    };
    console.log(
      `Rollout benchmark (${new Date().toISOString()}, ${availableParallelism()} CPUs shared by controller, control ` +
        `plane, kwok and bench; ${flags.stock ? "stock" : "bench"} control-plane settings): ${COUNT} Rollouts, ` +
        `1 replica, canary setWeight 50 → pause 1s → 100, half routed by nginx; ${WORKERS} reconcile workers`,
    );
    printTable(result);
    console.log("  (controller RSS includes tsx's loader: the child runs TypeScript through --import tsx)");
    console.log(`  raw figures: ${await writeJson(result)}`);
  } finally {
    await child?.stop();
    transport.close();
    if (flags.keep) console.log(`cluster kept: export KUBECONFIG=${cluster.info.kubeconfig}`);
    else await cluster.stop();
  }
}

await main();
process.exit(0);
