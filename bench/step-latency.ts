// Benchmark of step latency (issue 16's `step-latency`): how long after the event that should move
// a rollout the new weight is on its canary Ingress, with N Rollouts (1 replica each, all routed
// through nginx) in one controller. Steps: setWeight 20 → pause (until promoted) → setWeight 60 →
// pause 2s → setWeight 80 → analysis (one web measurement against a server in this process) →
// setWeight 90 → pause. After a bulk image change parks every Rollout at the first
// pause, each is promoted in turn at --rate promotes per second (default 10: a busy team's steady
// traffic among N live Rollouts; --rate 0 promotes all at once, 16 in flight, which measures the
// queue a burst builds rather than one step's latency):
//  - promote → 60 on the Ingress: from the promote's status patch sent to the weight seen by a watch;
//  - pause deadline → 80 on the Ingress: from the deadline (the pause condition's startTime + 2 s,
//    as the controller recorded it) to the weight seen by a watch;
//  - analysis verdict → 90 on the Ingress: from the step's AnalysisRun seen Successful by a watch
//    to the weight seen by a watch (when its measurement is taken is bench/analysis-scheduling.ts's
//    subject, not this one's).
// Also the controller's own reconcile and queue latency (its histograms) from the first promote
// until every promoted Rollout is at 90: reconciles at a steady rate among N live Rollouts, where
// the rollouts bench's bulk change measures them with the control plane saturated.
// Prints p50/p99/max and writes the raw figures to .sluice/bench/step-latency-<time>.json.
//
//   npm run bench -- step-latency [--count 1000] [--rate 10] [--stock]
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import type { AnalysisRun, AnalysisTemplate } from "../src/api/analysis.ts";
import type { Rollout } from "../src/api/rollout.ts";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { AnalysisRuns, AnalysisTemplates, Ingresses, Namespaces, Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { LocalCluster } from "../test/cluster/cluster.ts";
import { installDevCrds } from "../test/tools/crds.ts";
import { type BenchChild, startBenchChild } from "./lib/child.ts";
import { rolloutLatencies, scrape } from "./lib/metrics.ts";
import { writeBenchJson } from "./lib/results.ts";
import { BENCH_MANAGER, benchRollout, createRouting, forEachIndex } from "./lib/rollouts.ts";
import { spread } from "./lib/stats.ts";
import { watchObjects } from "./lib/watch.ts";

const { values: flags } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    // How many of them are promoted (the first ones); the rest stay parked, live in the caches.
    promote: { type: "string" },
    stock: { type: "boolean", default: false },
  },
  strict: true,
});
const COUNT = Number(flags.count);
const RATE = Number(flags.rate);
const PROMOTED = Math.min(COUNT, Number(flags.promote ?? COUNT));
if (!Number.isInteger(COUNT) || COUNT < 1 || !(RATE >= 0) || !(PROMOTED >= 1)) {
  console.error(
    "usage: npm run bench -- step-latency [--count N] [--rate PER_SECOND] [--promote M] [--stock]",
  );
  process.exit(2);
}
const NS = "bench-steps";
const PAUSE_MS = 2000;
const STEPS = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 60 },
  { pause: { duration: "2s" } },
  { setWeight: 80 },
  { analysis: { templates: [{ templateName: "bench-verdict" }] } },
  { setWeight: 90 },
  { pause: {} },
];
const TIMEOUT_MS = 60_000 + COUNT * 200;
const WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

/** The analysis step's data source: a web endpoint on loopback that always reports a healthy ratio. */
async function serveVerdict() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ratio: 0.99 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ratio`,
    close: () => server.close(),
  };
}

function verdictTemplate(url: string): AnalysisTemplate {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "bench-verdict", namespace: NS },
    spec: {
      metrics: [
        {
          name: "ratio",
          successCondition: "result >= 0.95",
          provider: { web: { url, jsonPath: "{$.ratio}" } },
        },
      ],
    },
  } as AnalysisTemplate;
}

/** Per Rollout index: when each weight was first seen on its canary Ingress, and its pause deadline. */
function observe(client: KubeClient) {
  const weightSeenAt = new Map<string, number>();
  const deadlines = new Map<number, number>();
  const verdicts = new Map<number, number>();
  const healthy = new Set<number>();
  /** Paused at the first pause step (index 1), waiting for a promote. */
  const parked = new Set<number>();
  const abort = new AbortController();
  const indexOf = (name: string) => Number(/^web-(\d+)/.exec(name)?.[1] ?? -1);
  const seeIngress = (ing: KubeObject) => {
    const name = ing.metadata?.name ?? "";
    const weight = ing.metadata?.annotations?.[WEIGHT];
    if (!name.endsWith("-canary") || weight === undefined) return;
    const key = `${indexOf(name)}:${weight}`;
    if (!weightSeenAt.has(key)) weightSeenAt.set(key, Date.now());
  };
  const seeRollout = (r: Rollout) => {
    const i = indexOf(r.metadata?.name ?? "");
    const done =
      r.status?.phase === "Healthy" && (r.status.observedGeneration ?? 0) >= (r.metadata?.generation ?? 1);
    if (done) healthy.add(i);
    else healthy.delete(i);
    if (r.status?.currentStepIndex === 1 && (r.status.pauseConditions?.length ?? 0) > 0) parked.add(i);
    else parked.delete(i);
    const timed = r.status?.currentStepIndex === 3 ? r.status.pauseConditions?.[0]?.startTime : undefined;
    if (timed) deadlines.set(indexOf(r.metadata?.name ?? ""), Date.parse(timed) + PAUSE_MS);
  };
  const seeRun = (run: AnalysisRun) => {
    const i = indexOf(run.metadata?.name ?? "");
    if (run.status?.phase === "Successful" && !verdicts.has(i)) verdicts.set(i, Date.now());
  };
  const watching = Promise.all([
    watchObjects(client, Ingresses, NS, seeIngress, abort.signal),
    watchObjects(client, Rollouts, NS, seeRollout, abort.signal),
    watchObjects(client, AnalysisRuns, NS, seeRun, abort.signal),
  ]);
  const seen = (i: number, weight: number) => weightSeenAt.get(`${i}:${weight}`);
  const every = (ok: (i: number) => unknown, n = COUNT) => Array.from({ length: n }, (_, i) => i).every(ok);
  return {
    seen,
    /** What the watches saw of a Rollout: weights in the order first seen (for a timeout's message). */
    of: (i: number) =>
      [...weightSeenAt.keys()].filter((k) => k.startsWith(`${i}:`)).map((k) => k.split(":")[1]),
    deadline: (i: number) => deadlines.get(i),
    verdict: (i: number) => verdicts.get(i),
    allHealthy: () => every((i) => healthy.has(i)),
    allParked: () => every((i) => parked.has(i)),
    allAt: (weight: number, n = COUNT) => every((i) => seen(i, weight), n),
    stop: async () => {
      abort.abort();
      await watching;
    },
  };
}

/** Polls what the watches saw (no API call) until `ok`. */
async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measure(client: KubeClient, metricsPort: number) {
  const seen = observe(client);
  try {
    return await promoteAll(client, seen, metricsPort);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; web-0's canary Ingress showed weights ${seen.of(0).join(", ")}`,
    );
  } finally {
    await seen.stop();
  }
}

async function promoteAll(client: KubeClient, seen: ReturnType<typeof observe>, metricsPort: number) {
  await forEachIndex(COUNT, (i) => client.create(Rollouts, benchRollout(NS, i, STEPS, true), BENCH_MANAGER));
  await until("every Rollout Healthy", seen.allHealthy);
  const image = { spec: { template: { spec: { containers: [{ name: "web", image: "web:2" }] } } } };
  await forEachIndex(COUNT, (i) =>
    client.mergePatch(Rollouts, { namespace: NS, name: `web-${i}` }, image, BENCH_MANAGER),
  );
  await until("every canary Ingress at 20", () => seen.allAt(20));
  await until("every Rollout paused at step 1", seen.allParked);
  const promotedAt = new Map<number, number>();
  const promoteOne = async (i: number) => {
    promotedAt.set(i, Date.now());
    const key = { namespace: NS, name: `web-${i}` };
    await client.mergePatch(Rollouts, key, { status: { pauseConditions: null } }, BENCH_MANAGER, {
      subresource: "status",
    });
  };
  // The controller's own reconcile and queue latency over the promotions and the steps they set off.
  const before = await scrape(metricsPort);
  if (RATE === 0) await forEachIndex(PROMOTED, promoteOne);
  else {
    const started = Date.now();
    const sent: Promise<void>[] = [];
    for (let i = 0; i < PROMOTED; i++) {
      // On a fixed schedule (not after each reply), so a slow reply does not slow the rate.
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      sent.push(promoteOne(i));
    }
    await Promise.all(sent);
  }
  await until("every promoted canary Ingress at 90 (after its analysis)", () => seen.allAt(90, PROMOTED));
  const latencies = rolloutLatencies(before, await scrape(metricsPort));
  const indexes = Array.from({ length: PROMOTED }, (_, i) => i);
  const since = (weight: number, from: (i: number) => number | undefined) =>
    indexes.map((i) => (seen.seen(i, weight) ?? Number.NaN) - (from(i) ?? Number.NaN));
  return {
    promoteToWeightMs: since(60, (i) => promotedAt.get(i)),
    pauseDeadlineToWeightMs: since(80, seen.deadline),
    verdictToWeightMs: since(90, seen.verdict),
    latencies,
  };
}

async function main(): Promise<void> {
  const nodes = Math.max(3, Math.ceil((COUNT * 2) / 100) + 1);
  const cluster = await LocalCluster.start({ prometheus: false, bench: !flags.stock, nodes });
  const transport = new KubeTransport(loadKubeConfig(cluster.info.kubeconfig), { userAgent: BENCH_MANAGER });
  let child: BenchChild | undefined;
  let verdictServer: Awaited<ReturnType<typeof serveVerdict>> | undefined;
  try {
    const client = new KubeClient(transport);
    await installDevCrds(cluster.info.kubeconfig);
    await client.create(
      Namespaces,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
      BENCH_MANAGER,
    );
    await createRouting(client, NS, COUNT, () => true);
    verdictServer = await serveVerdict();
    await client.create(AnalysisTemplates, verdictTemplate(verdictServer.url), BENCH_MANAGER);
    child = await startBenchChild("rollouts-child.ts", [cluster.info.kubeconfig, NS]);
    const raw = await measure(client, child.metricsPort);
    const childReport = await child.stop();
    child = undefined;
    const finite = (values: number[]) => values.filter(Number.isFinite);
    const promote = spread(finite(raw.promoteToWeightMs));
    const pause = spread(finite(raw.pauseDeadlineToWeightMs));
    const verdict = spread(finite(raw.verdictToWeightMs));
    console.log(
      `Step latency benchmark (${new Date().toISOString()}, ${availableParallelism()} CPUs shared; ` +
        `${flags.stock ? "stock" : "bench"} control-plane settings): ${COUNT} Rollouts routed by nginx, ` +
        `${PROMOTED} promoted ${RATE === 0 ? "at once" : `at ${RATE}/s`}`,
    );
    const row = (what: string, s: typeof promote) =>
      console.log(`  ${what.padEnd(40)} p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`);
    row("promote → weight on the Ingress", promote);
    row("pause deadline → weight on the Ingress", pause);
    row("analysis verdict → weight on the Ingress", verdict);
    const l = raw.latencies;
    console.log(
      `  ${"controller meanwhile: reconcile".padEnd(40)} p50 ${l.reconcileP50Ms.toFixed(1)} ms, p99 ${l.reconcileP99Ms.toFixed(1)} ms; queue wait p50 ${l.queueP50Ms.toFixed(1)} ms, p99 ${l.queueP99Ms.toFixed(1)} ms`,
    );
    const figures = {
      count: COUNT,
      promoted: PROMOTED,
      rate: RATE,
      promote,
      pause,
      verdict,
      child: childReport,
      raw,
    };
    const file = await writeBenchJson("step-latency", figures);
    console.log(`  raw figures: ${file}`);
  } finally {
    await child?.stop();
    verdictServer?.close();
    transport.close();
    await cluster.stop();
  }
}

await main();
process.exit(0);
