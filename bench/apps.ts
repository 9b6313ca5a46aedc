// Benchmark of the Application controller (issue 12's proof, issue 16's `apps`): N small
// Applications (a Deployment with 1 replica, a Service and a ConfigMap each, from local git
// repositories over file://, several apps per repository at different paths) from cold to Synced
// and Healthy, on a fresh local cluster with kwok (so the Deployments' pods become Ready), while the
// controller runs alone in a child process (bench/apps-child.ts). Reports:
//  - wall time from the first create to all N Synced, and to all N Synced and Healthy;
//  - per app, from its own create: time to Synced and to Healthy (p50/p99/max), from a watch;
//    and, from a watch on the Deployments, how much of that is the control plane (create → the
//    Deployment's first available replica) and how much the controller (available → Healthy);
//  - controller RSS (idle before, peak, VmHWM, steady after 10 s idle) and CPU seconds (its own
//    and its git subprocesses'), control-plane CPU;
//  - the controller's API requests (its own counter) and writes (audit log), git commands it ran
//    (a logging `git` first on its PATH), reconciles and queue wait;
//  - then K signed GitHub pushes, one at a time: push → the new ConfigMap value applied
//    (apps-webhook.ts).
// Prints a table and writes the raw figures to .sluice/bench/apps-<time>.json.
//
//   npm run bench -- apps [--apps 100] [--repos 10] [--pushes 50] [--poll 3m] [--workers 10] [--generate-paths] [--keep] [--stock]
//
// --poll is the controller's repository poll (its default 3 min): a longer one keeps the wave of
// first polls that follows a cold start of many apps out of the push phase.
//
// The cluster runs with the bench-only control-plane settings (LocalCluster's `bench`) unless
// --stock.
//
// --keep leaves the cluster running (stop it with SLUICE_CLUSTER_DIR=<dir> npm run cluster:down).
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import type { Application } from "../src/api/application.ts";
import { git } from "../src/gitops/source/git.ts";
import { MANIFEST_PATHS_ANNOTATION } from "../src/gitops/webhook/match.ts";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { Applications, Namespaces, type ResourceType } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { parseDurationMs } from "../src/options.ts";
import { type ComponentName, LocalCluster } from "../test/cluster/cluster.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { installDevCrds } from "../test/tools/crds.ts";
import { measurePushes, type PushResult, pushRows } from "./apps-webhook.ts";
import { auditWrites } from "./lib/audit.ts";
import { type BenchChild, startBenchChild } from "./lib/child.ts";
import { requestsByVerb, scrape, sumOf } from "./lib/metrics.ts";
import { procStats } from "./lib/proc.ts";
import { writeBenchJson } from "./lib/results.ts";
import { spread } from "./lib/stats.ts";
import { type Seen, watchObjects } from "./lib/watch.ts";

const { values: flags } = parseArgs({
  options: {
    apps: { type: "string", default: "100" },
    repos: { type: "string", default: "10" },
    pushes: { type: "string", default: "50" },
    poll: { type: "string", default: "3m" },
    // The controller's --workers (reconciles at once; default 10). Argo CD users raise its
    // --status-processors / --operation-processors (20 / 10 by default) for this many apps.
    workers: { type: "string", default: "10" },
    // Each app carries argocd.argoproj.io/manifest-generate-paths ".": a push refreshes only the
    // apps whose path it touched, not every app of the repository.
    "generate-paths": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    // The control plane as tests run it (client QPS throttles, priority and fairness on).
    stock: { type: "boolean", default: false },
  },
  strict: true,
});
const APPS = Number(flags.apps);
const REPOS = Math.max(1, Math.min(Number(flags.repos), APPS));
const PUSHES = Number(flags.pushes);
const POLL_MS = parseDurationMs(flags.poll, "poll");
if (!Number.isInteger(APPS) || APPS < 1 || !Number.isInteger(REPOS) || !Number.isInteger(PUSHES)) {
  console.error(
    "usage: npm run bench -- apps [--apps N] [--repos R] [--pushes K] [--poll 3m] [--generate-paths] [--keep] [--stock]",
  );
  process.exit(2);
}
/** Applications live here (the controller's namespace); their objects go to DEST_NS. */
const APPS_NS = "sluice-bench";
const DEST_NS = "bench-apps";
const FIELD_MANAGER = "sluice-bench";
const CREATE_CONCURRENCY = 16;
const TIMEOUT_MS = 120_000 + APPS * 500;
const IDLE_MS = 10_000;

const Deployments: ResourceType = {
  group: "apps",
  version: "v1",
  plural: "deployments",
  kind: "Deployment",
  namespaced: true,
};
const ServiceAccounts: ResourceType = {
  group: "",
  version: "v1",
  plural: "serviceaccounts",
  kind: "ServiceAccount",
  namespaced: true,
};

function manifests(name: string): Record<string, string> {
  return {
    "deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: web
          image: registry.example/web:1
          ports: [{ containerPort: 8080 }]
`,
    "service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: 8080 }]
`,
    "configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
data:
  greeting: hello from ${name}
`,
  };
}

interface AppSource {
  name: string;
  repoURL: string;
  path: string;
}

/** REPOS repositories, app i at apps/app-i of repository i mod REPOS, one commit each. */
async function makeRepos(dir: string): Promise<AppSource[]> {
  const sources: AppSource[] = [];
  for (let r = 0; r < REPOS; r++) {
    const repo = join(dir, `repo-${r}`);
    await mkdir(repo, { recursive: true });
    const run = (...args: string[]) =>
      git(["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: repo });
    await run("init", "--quiet", "--initial-branch=main");
    for (let i = r; i < APPS; i += REPOS) {
      const name = `app-${i}`;
      const path = `apps/${name}`;
      await mkdir(join(repo, path), { recursive: true });
      for (const [file, text] of Object.entries(manifests(name)))
        await writeFile(join(repo, path, file), text);
      sources.push({ name, repoURL: `file://${repo}`, path });
    }
    await run("add", "--all");
    await run("commit", "--quiet", "-m", "apps");
  }
  return sources.sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
}

/** A `git` first on the controller's PATH that logs each command line, then runs the real one. */
async function gitShim(dir: string): Promise<{ binDir: string; log: string }> {
  const real = (process.env.PATH ?? "")
    .split(delimiter)
    .map((d) => join(d, "git"))
    .find((p) => existsSync(p));
  if (!real) throw new Error("git not found on PATH");
  const binDir = join(dir, "git-shim");
  const log = join(dir, "git-commands.log");
  await mkdir(binDir, { recursive: true });
  await writeFile(join(binDir, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  await chmod(join(binDir, "git"), 0o755);
  return { binDir, log };
}

/** Git commands by subcommand ("worktree add" counted apart from "worktree remove"). */
async function gitCounts(log: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const text = existsSync(log) ? await readFile(log, "utf8") : "";
  for (const line of text.split("\n").filter(Boolean)) {
    const words = line.split(" ");
    let i = 0;
    while (words[i]?.startsWith("-")) i += words[i] === "-c" || words[i] === "-C" ? 2 : 1;
    const sub = words[i] === "worktree" ? `worktree ${words[i + 1] ?? ""}` : (words[i] ?? "?");
    counts[sub] = (counts[sub] ?? 0) + 1;
  }
  return counts;
}

/** Starts the controller child with the logging git first on its PATH. */
function startChild(kubeconfig: string, cacheDir: string, shimDir: string): Promise<BenchChild> {
  return startBenchChild("apps-child.ts", [kubeconfig, APPS_NS, cacheDir, String(POLL_MS), flags.workers], {
    ...process.env,
    PATH: `${shimDir}${delimiter}${process.env.PATH ?? ""}`,
  });
}

/** When each Deployment (named as its app) first had an available replica: the control plane's part. */
function observeDeployments(client: KubeClient) {
  const availableAt = new Map<string, number>();
  const abort = new AbortController();
  const see: Seen<KubeObject & { status?: { availableReplicas?: number } }> = (d) => {
    const name = d.metadata?.name ?? "";
    if ((d.status?.availableReplicas ?? 0) >= 1 && !availableAt.has(name)) availableAt.set(name, Date.now());
  };
  const watching = watchObjects(client, Deployments, DEST_NS, see, abort.signal);
  return {
    availableAt,
    stop: async () => {
      abort.abort();
      await watching;
    },
  };
}

/** First arrival (Date.now()) of Synced, Healthy, and both, per Application, from a watch. */
function observeApps(client: KubeClient) {
  const syncedAt = new Map<string, number>();
  const healthyAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const latest = new Map<string, Application>();
  let modified = 0;
  let wake: () => void = () => undefined;
  const see: Seen<Application> = (app, isModified) => {
    const name = app.metadata?.name ?? "";
    const at = Date.now();
    if (isModified) modified++;
    latest.set(name, app);
    const synced = app.status?.sync?.status === "Synced";
    const healthy = app.status?.health?.status === "Healthy";
    if (synced && !syncedAt.has(name)) syncedAt.set(name, at);
    if (healthy && !healthyAt.has(name)) healthyAt.set(name, at);
    if (synced && healthy && !readyAt.has(name)) readyAt.set(name, at);
    if (readyAt.size >= APPS) wake();
  };
  const abort = new AbortController();
  const watching = watchObjects(client, Applications, APPS_NS, see, abort.signal);
  return {
    syncedAt,
    healthyAt,
    readyAt,
    modified: () => modified,
    /** What the Applications not yet Synced and Healthy last showed, counted. */
    stragglers: () => {
      const counts: Record<string, number> = {};
      for (const [name, app] of latest) {
        if (readyAt.has(name)) continue;
        const what = `${app.status?.sync?.status ?? "none"}/${app.status?.health?.status ?? "none"}`;
        counts[what] = (counts[what] ?? 0) + 1;
      }
      return counts;
    },
    /** Resolves true when all were Synced and Healthy within the deadline. */
    allReady: (timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        if (readyAt.size >= APPS) wake();
      }),
    stop: async () => {
      abort.abort();
      await watching;
    },
  };
}

function application(source: AppSource, namespace = APPS_NS): Application {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Application",
    metadata: {
      name: source.name,
      namespace,
      ...(flags["generate-paths"] ? { annotations: { [MANIFEST_PATHS_ANNOTATION]: "." } } : {}),
    },
    spec: {
      project: "default",
      source: { repoURL: source.repoURL, targetRevision: "main", path: source.path },
      destination: { server: "https://kubernetes.default.svc", namespace: DEST_NS },
      syncPolicy: { automated: {} },
    },
  };
}

/** Creates every Application, CREATE_CONCURRENCY at a time; returns when each create was sent. */
async function createApps(client: KubeClient, sources: AppSource[]): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    for (let source = sources[next++]; source; source = sources[next++]) {
      sentAt.set(source.name, Date.now());
      await client.create(Applications, application(source), FIELD_MANAGER);
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  return sentAt;
}

/** Namespaces, CRDs, the default ServiceAccount pods need, and the first custom-resource create paid. */
async function prepareCluster(cluster: LocalCluster, client: KubeClient): Promise<void> {
  await installDevCrds(cluster.info.kubeconfig);
  for (const name of [APPS_NS, DEST_NS])
    await client.create(
      Namespaces,
      { apiVersion: "v1", kind: "Namespace", metadata: { name } },
      FIELD_MANAGER,
    );
  await waitFor(
    `ServiceAccount default in ${DEST_NS}`,
    () => client.get(ServiceAccounts, { namespace: DEST_NS, name: "default" }),
    { timeoutMs: 60_000 },
  );
  // The first create of a custom resource after its CRD is served is slow at the API server (~2 s);
  // pay it outside the timing, in a namespace the controller does not watch.
  const warmUp = application({ name: "warm-up", repoURL: "file:///nowhere", path: "." }, "default");
  await client.create(Applications, warmUp, FIELD_MANAGER);
  await client.delete(Applications, { namespace: "default", name: "warm-up" });
}

const CONTROL_PLANE: ComponentName[] = ["kube-apiserver", "etcd"];
const OTHERS: ComponentName[] = ["kube-controller-manager", "kube-scheduler", "kwok"];
const cpuOf = (cluster: LocalCluster, names: ComponentName[]) =>
  names.reduce((sum, name) => sum + procStats(cluster.component(name).pid).cpuSeconds, 0);

function reconcileFigures(before: Map<string, number>, after: Map<string, number>) {
  const delta = (prefix: string, label: string) => sumOf(after, prefix, label) - sumOf(before, prefix, label);
  const reconciles = delta("sluice_reconcile_duration_seconds_count", 'controller="application"');
  const queued = delta("sluice_workqueue_queue_duration_seconds_count", 'name="application"');
  return {
    reconciles,
    reconcileMeanMs:
      (1000 * delta("sluice_reconcile_duration_seconds_sum", 'controller="application"')) / reconciles,
    queueWaitMeanMs:
      (1000 * delta("sluice_workqueue_queue_duration_seconds_sum", 'name="application"')) / queued,
    errors: delta("sluice_reconcile_errors_total", 'controller="application"'),
  };
}

/** Per-app figures, from each app's own create: ms to Synced, to Healthy, to both. */
function perApp(
  sources: AppSource[],
  sentAt: Map<string, number>,
  seen: ReturnType<typeof observeApps>,
  availableAt: Map<string, number>,
) {
  return sources.map((s) => {
    const sent = sentAt.get(s.name) ?? Number.NaN;
    const after = (m: Map<string, number>) => (m.get(s.name) ?? Number.NaN) - sent;
    return {
      name: s.name,
      repoURL: s.repoURL,
      path: s.path,
      sentAt: sent,
      syncedMs: after(seen.syncedAt),
      healthyMs: after(seen.healthyAt),
      readyMs: after(seen.readyAt),
      deploymentAvailableMs: after(availableAt),
      /** From the Deployment's first available replica to the Application reported Healthy. */
      healthLagMs: (seen.healthyAt.get(s.name) ?? Number.NaN) - (availableAt.get(s.name) ?? Number.NaN),
    };
  });
}

const maxOf = (m: Map<string, number>) => Math.max(...m.values());

/** Figures of the 10 s after all were ready: what the controller does when nothing changes. */
async function measureIdle(
  child: BenchChild,
  seen: ReturnType<typeof observeApps>,
  metrics: Map<string, number>,
) {
  const start = procStats(child.pid);
  const modified = seen.modified();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const end = procStats(child.pid);
  const after = await scrape(child.metricsPort);
  const endAt = Date.now();
  const requests = requestsByVerb(metrics, after);
  return {
    end,
    idle: {
      endAt,
      seconds: IDLE_MS / 1000,
      controllerCpuSeconds: end.cpuSeconds - start.cpuSeconds,
      requests,
      requestsTotal: Object.values(requests).reduce((a, b) => a + b, 0),
      reconciles: reconcileFigures(metrics, after).reconciles,
      applicationEventsSeen: seen.modified() - modified,
    },
  };
}

async function measure(cluster: LocalCluster, client: KubeClient, sources: AppSource[], child: BenchChild) {
  const before = procStats(child.pid);
  const cpu0 = { cp: cpuOf(cluster, CONTROL_PLANE), others: cpuOf(cluster, OTHERS) };
  const metrics0 = await scrape(child.metricsPort);
  let rssMax = before.rssMiB;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, procStats(child.pid).rssMiB);
  }, 100);
  const seen = observeApps(client);
  const deployments = observeDeployments(client);

  const t0 = Date.now();
  const sentAt = await createApps(client, sources);
  const createMs = Date.now() - t0;
  const allReady = await seen.allReady(TIMEOUT_MS);
  const readyAt = Date.now();
  const runEvents = seen.modified();

  const busy = procStats(child.pid);
  const cpu = {
    controller: busy.cpuSeconds - before.cpuSeconds,
    gitSubprocesses: busy.childCpuSeconds - before.childCpuSeconds,
    apiserverEtcd: cpuOf(cluster, CONTROL_PLANE) - cpu0.cp,
    kcmSchedulerKwok: cpuOf(cluster, OTHERS) - cpu0.others,
  };
  const metrics1 = await scrape(child.metricsPort);
  const { end, idle } = await measureIdle(child, seen, metrics1);
  clearInterval(sampler);
  await Promise.all([seen.stop(), deployments.stop()]);
  const apps = perApp(sources, sentAt, seen, deployments.availableAt);
  const spreadOf = (key: "syncedMs" | "healthyMs" | "deploymentAvailableMs" | "healthLagMs") =>
    spread(apps.map((a) => a[key]).filter(Number.isFinite));
  const requests = requestsByVerb(metrics0, metrics1);
  return {
    allReady,
    stragglers: seen.stragglers(),
    readyAt,
    createMs,
    allSyncedMs: maxOf(seen.syncedAt) - t0,
    allReadyMs: allReady ? maxOf(seen.readyAt) - t0 : readyAt - t0,
    synced: spreadOf("syncedMs"),
    healthy: spreadOf("healthyMs"),
    deploymentAvailable: spreadOf("deploymentAvailableMs"),
    healthLag: spreadOf("healthLagMs"),
    rssMiB: {
      idle: before.rssMiB,
      peak: Math.max(rssMax, end.rssMiB),
      hwm: end.peakRssMiB,
      steady: end.rssMiB,
    },
    cpu,
    requests,
    requestsTotal: Object.values(requests).reduce((a, b) => a + b, 0),
    ...reconcileFigures(metrics0, metrics1),
    applicationEventsSeen: runEvents,
    idle,
    apps,
  };
}

type Result = Awaited<ReturnType<typeof measure>> & {
  pushes: PushResult | undefined;
  git: Record<string, number>;
  auditWrites: Record<string, Record<string, number>>;
  child: Record<string, number>;
};

const countsLine = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "-";

const f = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
const secs = (ms: number) => f(ms / 1000, 1);
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const perAppOf = (c: Record<string, number>) =>
  `${total(c)} (${f(total(c) / APPS, 1)}/app): ${countsLine(c)}`;

/** Rows of the cold start: first create until all Synced and Healthy. */
function coldRows(r: Result): [string, string][] {
  const trio = (x: { p50: number; p99: number; max: number }) =>
    `${secs(x.p50)} / ${secs(x.p99)} / ${secs(x.max)}`;
  return [
    ["Applications / repositories", `${APPS} / ${REPOS}`],
    ["all Synced and Healthy", r.allReady ? "yes" : `NO (timed out; ${countsLine(r.stragglers)})`],
    ["create all, s", secs(r.createMs)],
    ["first create → all Synced, s", secs(r.allSyncedMs)],
    ["first create → all Synced and Healthy, s", secs(r.allReadyMs)],
    ["per app create → Synced p50/p99/max, s", trio(r.synced)],
    ["per app create → Healthy p50/p99/max, s", trio(r.healthy)],
    ["  create → its Deployment available p50/p99/max, s", trio(r.deploymentAvailable)],
    ["  Deployment available → app Healthy p50/p99/max, s", trio(r.healthLag)],
    [
      "controller RSS before / peak / VmHWM / steady, MiB",
      `${f(r.rssMiB.idle)} / ${f(r.rssMiB.peak)} / ${f(r.rssMiB.hwm)} / ${f(r.rssMiB.steady)}`,
    ],
    ["controller JS heap at end, MiB", f(r.child.heapMiB ?? Number.NaN)],
    [
      "CPU s: controller / its git / apiserver+etcd / kcm+sched+kwok",
      `${f(r.cpu.controller, 1)} / ${f(r.cpu.gitSubprocesses, 1)} / ${f(r.cpu.apiserverEtcd, 1)} / ${f(r.cpu.kcmSchedulerKwok, 1)}`,
    ],
    [
      "controller event-loop delay p50/p99/max, ms (whole run)",
      `${r.child.eventLoopP50Ms} / ${r.child.eventLoopP99Ms} / ${r.child.eventLoopMaxMs}`,
    ],
    ["controller API requests", perAppOf(r.requests)],
    ["controller writes (audit log)", perAppOf(r.auditWrites.run ?? {})],
    ["git commands (whole run)", perAppOf(r.git)],
    [
      "reconciles (mean ms; mean queue wait ms; errors)",
      `${r.reconciles} (${f(r.reconcileMeanMs, 1)}; ${f(r.queueWaitMeanMs, 1)}; ${r.errors})`,
    ],
    ["Application MODIFIED events seen", String(r.applicationEventsSeen)],
  ];
}

/** Rows of the idle window after: nothing changes in Git or the cluster. */
function idleRows(r: Result): [string, string][] {
  return [
    ["controller CPU s", f(r.idle.controllerCpuSeconds, 2)],
    ["controller API requests", perAppOf(r.idle.requests)],
    ["controller writes (audit log)", perAppOf(r.auditWrites.idle ?? {})],
    ["reconciles", String(r.idle.reconciles)],
    ["Application MODIFIED events seen", String(r.idle.applicationEventsSeen)],
    ["controller writes after, while it stops (audit log)", perAppOf(r.auditWrites.after ?? {})],
  ];
}

function printTable(r: Result): void {
  const cold = coldRows(r);
  const idle = idleRows(r);
  const pushes = r.pushes ? pushRows(r.pushes, perAppOf(r.auditWrites.pushes ?? {})) : [];
  const width = Math.max(...[...cold, ...idle, ...pushes].map(([label]) => label.length));
  const print = (rows: [string, string][]) => {
    for (const [label, cell] of rows) console.log(`  ${label.padEnd(width)}  ${cell}`);
  };
  print(cold);
  console.log(`  then ${IDLE_MS / 1000} s idle (steady state):`);
  print(idle);
  if (!r.pushes) return;
  console.log(
    `  then signed GitHub pushes to the webhook receiver, one at a time (poll ${flags.poll}: the push moves the app; ` +
      `${flags["generate-paths"] ? "manifest-generate-paths: only the pushed app refreshed" : "every app of the repository refreshed"}):`,
  );
  print(pushes);
}

function writeJson(result: Result): Promise<string> {
  const flagsUsed = {
    apps: APPS,
    repos: REPOS,
    pushes: PUSHES,
    pollMs: POLL_MS,
    workers: Number(flags.workers),
    generatePaths: flags["generate-paths"],
    createConcurrency: CREATE_CONCURRENCY,
    idleMs: IDLE_MS,
  };
  return writeBenchJson("apps", { flags: flagsUsed, ...result });
}

const pushPhase = (client: KubeClient, child: BenchChild, sources: AppSource[]) => ({
  client,
  child,
  sources,
  pushes: PUSHES,
  appsNamespace: APPS_NS,
  destNamespace: DEST_NS,
  fieldManager: FIELD_MANAGER,
});

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-apps-"));
  const sources = await makeRepos(join(work, "repos"));
  const cluster = await LocalCluster.start({
    prometheus: false,
    bench: !flags.stock,
    // kwok nodes hold 110 pods each.
    nodes: Math.max(3, Math.ceil(APPS / 100) + 1),
    detached: flags.keep,
  });
  const transport = new KubeTransport(loadKubeConfig(cluster.info.kubeconfig), { userAgent: "sluice-bench" });
  let child: BenchChild | undefined;
  try {
    const client = new KubeClient(transport);
    await prepareCluster(cluster, client);
    const shim = await gitShim(work);
    child = await startChild(cluster.info.kubeconfig, join(work, "repo-cache"), shim.binDir);
    const measured = await measure(cluster, client, sources, child);
    const pushes = PUSHES > 0 ? await measurePushes(pushPhase(client, child, sources)) : undefined;
    const childReport = await child.stop();
    child = undefined;
    const windows: [string, number][] = [
      ["run", measured.readyAt],
      ["idle", measured.idle.endAt],
    ];
    if (pushes) windows.push(["pushes", pushes.endAt]);
    const result: Result = {
      ...measured,
      pushes,
      child: childReport,
      git: await gitCounts(shim.log),
      auditWrites: await auditWrites(cluster.info.auditLog, windows),
    };
    console.log(
      `Application benchmark (${new Date().toISOString()}, ${availableParallelism()} CPUs shared by controller, ` +
        `control plane, kwok and bench): ${APPS} apps (Deployment 1 replica + Service + ConfigMap) from ` +
        `${REPOS} file:// repositories, created ${CREATE_CONCURRENCY} at a time; controller --workers ${flags.workers}`,
    );
    printTable(result);
    console.log("  (controller RSS includes tsx's loader: the child runs TypeScript through --import tsx)");
    console.log(`  raw figures: ${await writeJson(result)}`);
  } finally {
    await child?.stop();
    transport.close();
    if (flags.keep) {
      console.log(`cluster kept: export KUBECONFIG=${cluster.info.kubeconfig}`);
      console.log(
        `  stop it with SLUICE_CLUSTER_DIR=${cluster.info.workDir} npm run cluster:down; repos in ${work}`,
      );
    } else {
      await cluster.stop();
      await rm(work, { recursive: true, force: true });
    }
  }
}

await main();
process.exit(0);
