// Benchmark of the AnalysisRun controller under load: does it keep measurement schedules, and
// what does that cost? For each N (BENCH_RUNS, default "100,500") it creates N AnalysisRuns in a
// fresh namespace, each with one web metric (interval 1s, count 10) against a local HTTP server,
// while the controller runs alone in a child process (bench/analysis-child.ts), and reports:
//  - wall time from the first create to all N Successful (ideal ≈ 9 s plus the create spread);
//  - scheduling lag from the measurements' own timestamps (the controller writes milliseconds):
//    "gap − 1s" = startedAt[i] − startedAt[i−1] − interval (what a user sees), and
//    "late" = startedAt[i] − (finishedAt[i−1] + interval), the delay past the controller's own due
//    time (nextDue in src/analysis/assess.ts schedules from the previous finishedAt);
//  - measurements per second (and the demand, N/s), HTTP requests the target served;
//  - controller peak RSS (VmHWM) and CPU seconds from /proc, API server + etcd CPU seconds;
//  - status writes: MODIFIED watch events seen, and the controller's own API request counter.
//
//   node --import tsx bench/analysis-scheduling.ts        (BENCH_RUNS=100,500 to choose N;
//   BENCH_ANALYSIS_WORKERS=16 runs the controller with --workers=16 instead of the default 4)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { get as httpsGet, type RequestOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { parse } from "yaml";
import type { AnalysisRun } from "../src/api/analysis.ts";
import { KubeClient } from "../src/kube/client.ts";
import { type ClusterAccess, loadKubeConfig } from "../src/kube/config.ts";
import { AnalysisRuns, Namespaces, type ResourceType, resourcePath } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import type { KubeObject, WatchEvent } from "../src/kube/types.ts";
import { LocalCluster } from "../test/cluster/cluster.ts";
import { CONTROLLER_NODE_FLAGS } from "./lib/child.ts";

const root = join(import.meta.dirname, "..");
const sizes = (process.env.BENCH_RUNS ?? "100,500")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const INTERVAL_MS = 1000;
const COUNT = 10;
const CREATE_CONCURRENCY = 16;
const RUN_TIMEOUT_MS = 120_000;
const FIELD_MANAGER = "sluice-bench";

const CRDS: ResourceType = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

/** Server-side applies the AnalysisRun CRD with sluice's client and waits until it is Established. */
async function ensureAnalysisRunCrd(client: KubeClient): Promise<void> {
  const crd = parse(await readFile(join(root, "crds/analysisrun.yaml"), "utf8")) as KubeObject;
  await client.apply(CRDS, crd, FIELD_MANAGER, { force: true });
  const name = crd.metadata?.name ?? "";
  for (let i = 0; i < 100; i++) {
    const live = await client.get<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >(CRDS, { name });
    if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} not Established after 10s`);
}

/** The measurement target: answers {"ok":1} and counts requests. */
interface Target {
  server: Server;
  url: string;
  requests: () => number;
}

async function startTarget(): Promise<Target> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":1}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { server, url, requests: () => requests };
}

/** Resident memory (now and peak) and CPU seconds of a process, from /proc (Linux). */
function procStats(pid: number): { rssMiB: number; peakRssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { rssMiB: kib("VmRSS") / 1024, peakRssMiB: kib("VmHWM") / 1024, cpuSeconds: ticks / 100 };
}

interface Child {
  pid: number;
  metricsPort: number;
  /** Sends SIGTERM and resolves with the child's last report. */
  stop(): Promise<Record<string, number>>;
}

async function startChild(kubeconfig: string, namespace: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    [
      ...CONTROLLER_NODE_FLAGS,
      "--import",
      "tsx",
      join(root, "bench/analysis-child.ts"),
      kubeconfig,
      namespace,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const reports: Record<string, number>[] = [];
  const waiters: (() => void)[] = [];
  lines.on("line", (line) => {
    if (!line.startsWith("{")) return;
    reports.push(JSON.parse(line) as Record<string, number>);
    for (const wake of waiters.splice(0)) wake();
  });
  const nextReport = async (index: number) => {
    while (reports.length <= index) {
      if (child.exitCode !== null) throw new Error(`controller child exited with ${child.exitCode}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 500);
      });
    }
    return reports[index] ?? {};
  };
  const ready = await nextReport(0);
  return {
    pid: child.pid ?? 0,
    metricsPort: ready.metricsPort ?? 0,
    stop: async () => {
      child.kill("SIGTERM");
      const last = await nextReport(1);
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
      return last;
    },
  };
}

interface Metric {
  name: string;
  labels: string;
  value: number;
}

function parseMetrics(text: string): Metric[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^([^{ ]+)(\{[^}]*\})? (\S+)$/.exec(l);
      return { name: m?.[1] ?? "", labels: m?.[2] ?? "", value: Number(m?.[3]) };
    });
}

const scrape = async (port: number) =>
  parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());

/** The API server's /metrics, with the kubeconfig's client certificate. */
async function scrapeApiServer(kc: ClusterAccess): Promise<Metric[]> {
  const options: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(options);
  const url = new URL("/metrics", kc.getCurrentCluster()?.server);
  const text = await new Promise<string>((resolve, reject) => {
    httpsGet(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    }).on("error", reject);
  });
  return parseMetrics(text);
}

/** Sum of the samples of `name` whose labels contain every one of `labelParts`. */
const total = (metrics: Metric[], name: string, ...labelParts: string[]) =>
  metrics
    .filter((m) => m.name === name && labelParts.every((part) => m.labels.includes(part)))
    .reduce((n, m) => n + m.value, 0);

const STATUS_PATCH = ['resource="analysisruns"', 'subresource="status"', 'verb="PATCH"'];

/** Requests and mean latency (ms) of AnalysisRun status patches at the API server between two scrapes. */
function statusPatchLatency(before: Metric[], after: Metric[]): { count: number; meanMs: number } {
  const delta = (name: string) => total(after, name, ...STATUS_PATCH) - total(before, name, ...STATUS_PATCH);
  const count = delta("apiserver_request_duration_seconds_count");
  return { count, meanMs: (1000 * delta("apiserver_request_duration_seconds_sum")) / count };
}

/** Watches AnalysisRuns in `namespace` (re-watching if the server ends the stream) until aborted. */
async function watchRuns(
  client: KubeClient,
  namespace: string,
  onEvent: (event: WatchEvent<AnalysisRun>) => void,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion = (await client.list(AnalysisRuns, { namespace })).metadata?.resourceVersion;
  while (!signal.aborted) {
    await client.transport.stream(
      {
        path: resourcePath(AnalysisRuns, namespace),
        query: { watch: 1, resourceVersion, allowWatchBookmarks: true },
      },
      (line) => {
        const event = JSON.parse(line) as WatchEvent<AnalysisRun>;
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        onEvent(event);
      },
      signal,
    );
  }
}

function analysisRun(namespace: string, name: string, url: string): AnalysisRun {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name, namespace },
    spec: {
      metrics: [
        {
          name: "m",
          interval: `${INTERVAL_MS / 1000}s`,
          count: COUNT,
          successCondition: "result.ok == 1",
          provider: { web: { url, jsonPath: "{$}" } },
        },
      ],
    },
  };
}

/** Creates `count` runs, CREATE_CONCURRENCY at a time; returns when each create was sent (epoch ms). */
async function createRuns(client: KubeClient, namespace: string, count: number, url: string) {
  const sentAt = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const name = `run-${next++}`;
      sentAt.set(name, Date.now());
      await client.create(AnalysisRuns, analysisRun(namespace, name, url), FIELD_MANAGER);
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  return sentAt;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? Number.NaN };
};

/** Lag figures from the measurements the controller wrote. */
function scheduleStats(runs: AnalysisRun[], sentAt: Map<string, number>) {
  const gaps: number[] = [];
  const late: number[] = [];
  const firstDelay: number[] = [];
  const duration: number[] = [];
  let measurements = 0;
  let msPrecision = false;
  for (const run of runs) {
    const series = run.status?.metricResults?.[0]?.measurements ?? [];
    measurements += series.length;
    const started = series.map((m) => Date.parse(m.startedAt ?? ""));
    const finished = series.map((m) => Date.parse(m.finishedAt ?? ""));
    if (series.some((m) => /\.\d{3}Z$/.test(m.startedAt ?? ""))) msPrecision = true;
    for (let i = 1; i < series.length; i++) {
      gaps.push((started[i] ?? 0) - (started[i - 1] ?? 0) - INTERVAL_MS);
      late.push((started[i] ?? 0) - ((finished[i - 1] ?? 0) + INTERVAL_MS));
    }
    const sent = sentAt.get(run.metadata?.name ?? "");
    if (sent !== undefined && started[0] !== undefined) firstDelay.push(started[0] - sent);
    const { startedAt, completedAt } = run.status ?? {};
    if (startedAt && completedAt) duration.push(Date.parse(completedAt) - Date.parse(startedAt));
  }
  return {
    measurements,
    msPrecision,
    gap: spread(gaps),
    late: spread(late),
    firstDelay: spread(firstDelay),
    duration: spread(duration),
  };
}

/** Counts status writes (MODIFIED events) of the namespace's runs and sees when all N completed. */
function observeRuns(client: KubeClient, namespace: string, n: number) {
  let modified = 0;
  const completed = new Set<string>();
  let finish: (timedOut: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((r) => {
    finish = r;
  });
  const abort = new AbortController();
  const watching = watchRuns(
    client,
    namespace,
    (event) => {
      if (event.type !== "MODIFIED") return;
      modified++;
      const phase = event.object.status?.phase;
      if (phase && phase !== "Running" && phase !== "Pending")
        completed.add(event.object.metadata?.name ?? "");
      if (completed.size === n) finish(false);
    },
    abort.signal,
  );
  return {
    modified: () => modified,
    /** Resolves true when the runs did not all complete within RUN_TIMEOUT_MS. */
    wait: async () => {
      const timer = setTimeout(() => finish(true), RUN_TIMEOUT_MS);
      const timedOut = await finished;
      clearTimeout(timer);
      return timedOut;
    },
    stop: async () => {
      abort.abort();
      await watching.catch(() => undefined);
    },
  };
}

const cpuSeconds = (pids: number[]) => pids.reduce((sum, pid) => sum + procStats(pid).cpuSeconds, 0);

async function benchOne(
  cluster: LocalCluster,
  kc: ClusterAccess,
  client: KubeClient,
  target: Target,
  n: number,
) {
  const namespace = `bench-analysis-${n}-${Date.now().toString(36)}`;
  await client.create(
    Namespaces,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    FIELD_MANAGER,
  );
  const child = await startChild(cluster.info.kubeconfig, namespace);
  const idle = procStats(child.pid);
  const controlPlane = [cluster.component("kube-apiserver").pid, cluster.component("etcd").pid];
  const controlCpu0 = cpuSeconds(controlPlane);
  const benchCpu0 = process.cpuUsage();
  let rssMax = idle.rssMiB;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, procStats(child.pid).rssMiB);
  }, 100);
  const observer = observeRuns(client, namespace, n);
  const apiBefore = await scrapeApiServer(kc);
  const requests0 = target.requests();

  const t0 = Date.now();
  const sentAt = await createRuns(client, namespace, n, target.url);
  const createMs = Date.now() - t0;
  const timedOut = await observer.wait();
  const wallMs = Date.now() - t0;

  clearInterval(sampler);
  const end = procStats(child.pid);
  const controlCpu = cpuSeconds(controlPlane) - controlCpu0;
  const benchCpu = process.cpuUsage(benchCpu0);
  const metrics = await scrape(child.metricsPort);
  const apiPatch = statusPatchLatency(apiBefore, await scrapeApiServer(kc));
  const childReport = await child.stop();
  await observer.stop();

  const runs = (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
  const phases = new Map<string, number>();
  for (const r of runs)
    phases.set(r.status?.phase ?? "none", (phases.get(r.status?.phase ?? "none") ?? 0) + 1);
  const series = (name: string, label: string) => total(metrics, name, label);
  const reconciles = series("sluice_reconcile_duration_seconds_count", 'controller="analysisrun"');
  const api = (label = "") => series("sluice_kube_api_requests_total", label);
  return {
    n,
    phases: [...phases].map(([p, c]) => `${p}=${c}`).join(" ") + (timedOut ? " (TIMED OUT)" : ""),
    createMs,
    wallMs,
    stats: scheduleStats(runs, sentAt),
    httpRequests: target.requests() - requests0,
    rss: { idle: idle.rssMiB, max: Math.max(rssMax, end.rssMiB), hwm: end.peakRssMiB },
    cpu: {
      controller: end.cpuSeconds - idle.cpuSeconds,
      controlPlane: controlCpu,
      bench: (benchCpu.user + benchCpu.system) / 1e6,
    },
    modified: observer.modified(),
    api: { patch: api('verb="patch"'), conflict: api('code="409"'), all: api() },
    apiPatch,
    reconciles,
    reconcileMeanMs:
      (1000 * series("sluice_reconcile_duration_seconds_sum", 'controller="analysisrun"')) / reconciles,
    queueWaitMeanMs:
      (1000 * series("sluice_workqueue_queue_duration_seconds_sum", 'name="analysisrun"')) /
      series("sluice_workqueue_queue_duration_seconds_count", 'name="analysisrun"'),
    child: childReport,
  };
}

type Result = Awaited<ReturnType<typeof benchOne>>;

function printTable(results: Result[]): void {
  const f = (v: number | undefined, digits = 0) =>
    v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "-";
  const trio = (a: number | undefined, b: number | undefined, c: number | undefined, digits = 0) =>
    `${f(a, digits)} / ${f(b, digits)} / ${f(c, digits)}`;
  const spreadOf = (s: { p50: number; p95: number; max: number }) => trio(s.p50, s.p95, s.max);
  const rows: [string, (r: Result) => string][] = [
    ["runs (N)", (r) => String(r.n)],
    ["final phases", (r) => r.phases],
    ["create N runs, s", (r) => f(r.createMs / 1000, 1)],
    ["(a) first create → all completed, s", (r) => f(r.wallMs / 1000, 1)],
    ["    per run startedAt → completedAt p50/p95/max, ms", (r) => spreadOf(r.stats.duration)],
    ["    create sent → 1st measurement p50/p95/max, ms", (r) => spreadOf(r.stats.firstDelay)],
    ["(b) gap − 1s p50/p95/max, ms", (r) => spreadOf(r.stats.gap)],
    ["    late (start − prev finish − 1s) p50/p95/max, ms", (r) => spreadOf(r.stats.late)],
    [
      "(c) measurements/s achieved (demand N/s)",
      (r) => `${f(r.stats.measurements / (r.wallMs / 1000), 1)} (${r.n})`,
    ],
    ["    measurements written / HTTP requests served", (r) => `${r.stats.measurements} / ${r.httpRequests}`],
    ["(d) controller RSS idle / max sampled / VmHWM, MiB", (r) => trio(r.rss.idle, r.rss.max, r.rss.hwm)],
    ["    controller JS heap at end, MiB", (r) => f(r.child.heapMiB)],
    [
      "    CPU s: controller / apiserver+etcd / bench",
      (r) => trio(r.cpu.controller, r.cpu.controlPlane, r.cpu.bench, 1),
    ],
    [
      "    controller event-loop delay p50/p99/max, ms",
      (r) => trio(r.child.eventLoopP50Ms, r.child.eventLoopP99Ms, r.child.eventLoopMaxMs, 1),
    ],
    ["(e) status writes (MODIFIED events seen)", (r) => String(r.modified)],
    [
      "    controller API requests: patch / 409 / all",
      (r) => `${r.api.patch} / ${r.api.conflict} / ${r.api.all}`,
    ],
    [
      "    API server status PATCHes (mean latency, ms)",
      (r) => `${r.apiPatch.count} (${f(r.apiPatch.meanMs, 1)})`,
    ],
    [
      "    reconciles (mean ms; mean queue wait ms)",
      (r) => `${r.reconciles} (${f(r.reconcileMeanMs, 1)}; ${f(r.queueWaitMeanMs, 1)})`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, cell] of rows) {
    console.log(`  ${label.padEnd(width)}  ${results.map((r) => cell(r).padStart(22)).join("  ")}`);
  }
}

const cluster = await LocalCluster.start({ minimal: true, prometheus: false });
const target = await startTarget();
const kc = loadKubeConfig(cluster.info.kubeconfig);
const transport = new KubeTransport(kc, { userAgent: "sluice-bench" });
try {
  const client = new KubeClient(transport);
  await ensureAnalysisRunCrd(client);
  // The first create of a custom resource after its CRD is Established takes ~2 s at the API
  // server; take that hit here, not inside the first N's timing.
  const warmUp = { namespace: "default", name: "bench-warm-up" };
  await client.create(AnalysisRuns, analysisRun(warmUp.namespace, warmUp.name, target.url), FIELD_MANAGER);
  await client.delete(AnalysisRuns, warmUp);
  const results: Result[] = [];
  for (const n of sizes) results.push(await benchOne(cluster, kc, client, target, n));
  const precision = results.some((r) => r.stats.msPrecision) ? "millisecond" : "second";
  console.log(
    `AnalysisRun scheduling benchmark (${new Date().toISOString()}, ${availableParallelism()} CPUs shared ` +
      `by controller, API server, etcd and bench): 1 web metric per run, interval ${INTERVAL_MS / 1000}s, ` +
      `count ${COUNT}; controller workers ${process.env.BENCH_ANALYSIS_WORKERS ?? "4 (the default)"}; ` +
      `measurement timestamps have ${precision} precision`,
  );
  printTable(results);
  console.log("  (controller RSS includes tsx's loader: the child runs TypeScript through --import tsx)");
} finally {
  transport.close();
  target.server.close();
  await cluster.stop();
}
