// Benchmark: the soak (issue 16). N Rollouts (default 100; every other one routed by nginx), each a
// canary with an analysis step against a real Prometheus, updated to a new image again and again
// for --minutes (default 30): every cycle changes all N images and waits until all are Healthy on
// the new one. The controller runs alone in a child process and samples its V8 heap used after a
// full GC and its RSS every --sample-seconds. Reports the slope of both (MiB per hour) over the
// whole run and over the part after the first --warmup-cycles cycles, when every Rollout's
// ReplicaSet and AnalysisRun history has reached its limits and the caches hold all they ever
// will: a leak shows as a slope there that noise does not explain.
//
//   npm run bench -- soak [--minutes 30] [--count 100] [--sample-seconds 30] [--warmup-cycles 12]
import { mkdtemp } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { AnalysisRuns, AnalysisTemplates, Namespaces, ReplicaSets, Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import { ChaosPrometheus } from "../test/chaos/prometheus.ts";
import { LocalCluster } from "../test/cluster/cluster.ts";
import { installDevCrds } from "../test/tools/crds.ts";
import { type BenchChild, startBenchChild } from "./lib/child.ts";
import { observeRollouts } from "./lib/healthy.ts";
import { procStats } from "./lib/proc.ts";
import { writeBenchJson } from "./lib/results.ts";
import { BENCH_MANAGER, benchRollout, createRouting, forEachIndex } from "./lib/rollouts.ts";
import { percentile, slope } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    count: { type: "string", default: "100" },
    "sample-seconds": { type: "string", default: "30" },
    "warmup-cycles": { type: "string", default: "12" },
  },
  strict: true,
});
const MINUTES = Number(flags.minutes);
const COUNT = Number(flags.count);
const SAMPLE_MS = Number(flags["sample-seconds"]) * 1000;
const WARMUP_CYCLES = Number(flags["warmup-cycles"]);
if (![MINUTES, COUNT, SAMPLE_MS].every((n) => Number.isFinite(n) && n > 0) || !(WARMUP_CYCLES >= 0)) {
  console.error(
    "usage: npm run bench -- soak [--minutes M] [--count N] [--sample-seconds S] [--warmup-cycles C]",
  );
  process.exit(2);
}
const NS = "bench-soak";
const routed = (i: number) => i % 2 === 0;
const CYCLE_TIMEOUT_MS = 120_000 + COUNT * 1000;

/** Two measurements 1 s apart of a gauge that always passes: each analysis takes about a second. */
const analysisTemplate = (address: string, query: string) => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisTemplate",
  metadata: { name: "soak-check", namespace: NS },
  spec: {
    metrics: [
      {
        name: "ratio",
        interval: "1s",
        count: 2,
        successCondition: "result[0] >= 0.95",
        provider: { prometheus: { address, query, timeout: 5 } },
      },
    ],
  },
});
const STEPS = [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "soak-check" }] } }];

interface Sample {
  atMs: number;
  heapMiB: number;
  rssMiB: number;
  externalMiB: number;
  heapTotalMiB: number;
  brkMiB: number;
  anonymousMiB: number;
}
type SampleField = Exclude<keyof Sample, "atMs">;
interface Cycle {
  image: string;
  startAt: number;
  healthyMs: number;
  allHealthy: boolean;
}

async function prepare(cluster: LocalCluster, client: KubeClient, prometheus: ChaosPrometheus) {
  await installDevCrds(cluster.info.kubeconfig);
  await client.create(
    Namespaces,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    BENCH_MANAGER,
  );
  await client.create(AnalysisTemplates, analysisTemplate(prometheus.url, prometheus.query), BENCH_MANAGER);
  await createRouting(client, NS, COUNT, routed);
  await forEachIndex(COUNT, (i) =>
    client.create(Rollouts, benchRollout(NS, i, STEPS, routed(i)), BENCH_MANAGER),
  );
}

/** Changes every image to `image` and waits until all Rollouts are Healthy on it. */
async function cycle(client: KubeClient, image: string): Promise<Cycle> {
  const startAt = Date.now();
  await forEachIndex(COUNT, (i) =>
    client.mergePatch(
      Rollouts,
      { namespace: NS, name: `web-${i}` },
      { spec: { template: { spec: { containers: [{ name: "web", image }] } } } },
      BENCH_MANAGER,
    ),
  );
  // Watched only once every patch is in, so a Rollout still Healthy on its old generation is not
  // taken for done.
  const seen = observeRollouts(client, NS, COUNT);
  const allHealthy = await seen.allHealthy(CYCLE_TIMEOUT_MS);
  const healthyMs = (allHealthy ? seen.lastAt() : Date.now()) - startAt;
  await seen.stop();
  return { image, startAt, healthyMs, allHealthy };
}

/** Least-squares slope in MiB per hour of one field of the samples. */
const perHour = (samples: Sample[], field: SampleField) =>
  slope(samples.map((s) => [s.atMs / 3_600_000, s[field]] as [number, number]));

function summarize(samples: Sample[], cycles: Cycle[]) {
  const steadyFrom = cycles[WARMUP_CYCLES]?.startAt ?? Number.POSITIVE_INFINITY;
  const steady = samples.filter((s) => s.atMs >= steadyFrom);
  const range = (xs: number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : Number.NaN);
  return {
    cycles: cycles.length,
    cyclesTimedOut: cycles.filter((c) => !c.allHealthy).length,
    cycleP50Ms: percentile(
      cycles.map((c) => c.healthyMs),
      50,
    ),
    cycleMaxMs: percentile(
      cycles.map((c) => c.healthyMs),
      100,
    ),
    samples: samples.length,
    steadySamples: steady.length,
    heap: {
      firstMiB: samples[0]?.heapMiB,
      lastMiB: samples.at(-1)?.heapMiB,
      slopeMiBPerHour: perHour(samples, "heapMiB"),
      steadySlopeMiBPerHour: perHour(steady, "heapMiB"),
      steadyRangeMiB: range(steady.map((s) => s.heapMiB)),
    },
    external: {
      firstMiB: samples[0]?.externalMiB,
      lastMiB: samples.at(-1)?.externalMiB,
      steadySlopeMiBPerHour: perHour(steady, "externalMiB"),
    },
    parts: (["heapTotalMiB", "brkMiB", "anonymousMiB"] as const).map((field) => ({
      field,
      firstMiB: samples[0]?.[field],
      lastMiB: samples.at(-1)?.[field],
      steadySlopeMiBPerHour: perHour(steady, field),
    })),
    rss: {
      firstMiB: samples[0]?.rssMiB,
      lastMiB: samples.at(-1)?.rssMiB,
      slopeMiBPerHour: perHour(samples, "rssMiB"),
      steadySlopeMiBPerHour: perHour(steady, "rssMiB"),
      steadyRangeMiB: range(steady.map((s) => s.rssMiB)),
    },
  };
}

async function countObjects(client: KubeClient) {
  const [replicaSets, analysisRuns] = await Promise.all([
    client.list(ReplicaSets, { namespace: NS }),
    client.list(AnalysisRuns, { namespace: NS }),
  ]);
  return { replicaSets: replicaSets.items.length, analysisRuns: analysisRuns.items.length };
}

function printTable(s: ReturnType<typeof summarize>, objects: Awaited<ReturnType<typeof countObjects>>) {
  const f = (v: number | undefined, digits = 1) =>
    v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "-";
  const rows: [string, string][] = [
    ["image-change cycles (timed out)", `${s.cycles} (${s.cyclesTimedOut})`],
    ["cycle: all Healthy p50 / max", `${f(s.cycleP50Ms / 1000)} / ${f(s.cycleMaxMs / 1000)} s`],
    ["samples (after warm-up)", `${s.samples} (${s.steadySamples})`],
    ["heap after GC first → last", `${f(s.heap.firstMiB)} → ${f(s.heap.lastMiB)} MiB`],
    [
      "heap slope whole run / after warm-up",
      `${f(s.heap.slopeMiBPerHour, 2)} / ${f(s.heap.steadySlopeMiBPerHour, 2)} MiB/h`,
    ],
    ["heap range after warm-up", `${f(s.heap.steadyRangeMiB)} MiB`],
    [
      "external (Buffers, TLS) first → last, slope after warm-up",
      `${f(s.external.firstMiB)} → ${f(s.external.lastMiB)} MiB, ${f(s.external.steadySlopeMiBPerHour, 2)} MiB/h`,
    ],
    ["RSS first → last", `${f(s.rss.firstMiB)} → ${f(s.rss.lastMiB)} MiB`],
    [
      "RSS slope whole run / after warm-up",
      `${f(s.rss.slopeMiBPerHour, 2)} / ${f(s.rss.steadySlopeMiBPerHour, 2)} MiB/h`,
    ],
    ["RSS range after warm-up", `${f(s.rss.steadyRangeMiB)} MiB`],
    ...s.parts.map((p): [string, string] => [
      `  of it ${p.field.replace("MiB", "")} first → last, slope after warm-up`,
      `${f(p.firstMiB)} → ${f(p.lastMiB)} MiB, ${f(p.steadySlopeMiBPerHour, 2)} MiB/h`,
    ]),
    ["ReplicaSets / AnalysisRuns at the end", `${objects.replicaSets} / ${objects.analysisRuns}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

async function soak(client: KubeClient, child: BenchChild, samples: Sample[]) {
  const cycles: Cycle[] = [];
  const endAt = Date.now() + MINUTES * 60_000;
  for (let n = 2; Date.now() < endAt; n++) {
    const c = await cycle(client, `web:${n}`);
    cycles.push(c);
    console.log(
      `  cycle ${cycles.length}: ${c.image} all Healthy in ${(c.healthyMs / 1000).toFixed(1)} s${c.allHealthy ? "" : " (TIMED OUT)"}; heap ${samples.at(-1)?.heapMiB} MiB, RSS ${procStats(child.pid).rssMiB.toFixed(0)} MiB`,
    );
  }
  return cycles;
}

async function main(): Promise<void> {
  const nodes = Math.max(3, Math.ceil((COUNT * 2) / 100) + 1);
  const cluster = await LocalCluster.start({ prometheus: false, bench: true, nodes });
  const prometheus = await ChaosPrometheus.start(await mkdtemp(join(tmpdir(), "sluice-soak-")));
  const transport = new KubeTransport(loadKubeConfig(cluster.info.kubeconfig), { userAgent: BENCH_MANAGER });
  const samples: Sample[] = [];
  let child: BenchChild | undefined;
  try {
    const client = new KubeClient(transport);
    child = await startBenchChild(
      "soak-child.ts",
      [cluster.info.kubeconfig, NS, String(SAMPLE_MS)],
      process.env,
      ["--expose-gc"],
      (s) => samples.push(s as unknown as Sample),
    );
    await prepare(cluster, client, prometheus);
    const first = observeRollouts(client, NS, COUNT);
    if (!(await first.allHealthy(CYCLE_TIMEOUT_MS))) throw new Error("the first deploy never became Healthy");
    await first.stop();
    const cycles = await soak(client, child, samples);
    const objects = await countObjects(client);
    const childReport = await child.stop();
    child = undefined;
    const summary = summarize(samples, cycles);
    console.log(
      `Soak (${new Date().toISOString()}, ${availableParallelism()} CPUs shared by controller, control plane, ` +
        `kwok, Prometheus and bench): ${COUNT} Rollouts (half routed by nginx), canary setWeight 50 → analysis ` +
        `(2 Prometheus measurements) → 100, all images changed every cycle for ${MINUTES} min`,
    );
    printTable(summary, objects);
    const file = await writeBenchJson("soak", {
      count: COUNT,
      minutes: MINUTES,
      summary,
      objects,
      cycles,
      samples,
      child: childReport,
    });
    console.log(`  raw figures: ${file}`);
  } finally {
    await child?.stop();
    transport.close();
    await prometheus.stop();
    await cluster.stop();
  }
}

await main();
process.exit(0);
