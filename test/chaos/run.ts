// One chaos run: a cluster of its own (the run restarts its API server and etcd, so never a shared
// one), a fleet of canaries updated to web:2 while the seeded schedule kills the controller,
// restarts the control plane and Prometheus and takes the Applications' Git HTTP server down
// (refused or hung, git.ts), then the invariants over what happened. In the HA mode
// two replicas elect a leader, the kills hit the leader (mostly) or the standby, and the audit log
// is judged for two writers and slow failovers too (ha.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeClient } from "../../src/kube/client.ts";
import { loadKubeConfig } from "../../src/kube/config.ts";
import { KubeTransport } from "../../src/kube/transport.ts";
import { binaryPaths } from "../cluster/binaries.ts";
import { LocalCluster } from "../cluster/cluster.ts";
import { readAuditEvents } from "../helpers/audit.ts";
import { pending, waitFor } from "../helpers/wait.ts";
import { installDevCrds } from "../tools/crds.ts";
import { ChaosController } from "./controller.ts";
import { ReadyEndpointsWatch } from "./endpoints.ts";
import { runFaults } from "./faults.ts";
import { type Canary, createFleet, fleet, stableService, updateFleet } from "./fleet.ts";
import { createApplications, GitRepos, gitFailuresReported, unsyncedApplications } from "./git.ts";
import { haChecks, haWindows, leaseTimings } from "./ha.ts";
import { type Check, checkAll } from "./invariants.ts";
import { leadershipSummary, leaseWrites } from "./leadership.ts";
import { ChaosPrometheus } from "./prometheus.ts";
import { ChaosReplicas } from "./replicas.ts";
import { checksTable, windowsTable } from "./report.ts";
import { describeFault, faultSchedule, type ScheduleShape, withGitOutages, withVictims } from "./schedule.ts";
import { settle } from "./settle.ts";
import { observe, tally } from "./state.ts";

export interface ChaosMode {
  name: string;
  /** The flags of `npm run chaos` that select this mode (for the replay line). */
  flags: string[];
  canaries: number;
  /** Each timed pause of the canaries' steps, so the rollouts span the fault window. */
  pauseSeconds: number;
  shape: ScheduleShape;
  /** After the window, how long the fleet may take to reach its end state. */
  settleTimeoutMs: number;
  /** Two replicas electing a leader instead of one controller. */
  ha?: boolean;
}

export interface ChaosResult {
  seed: number;
  checks: Check[];
  failed: boolean;
  seconds: number;
  workDir: string;
}

const NAMESPACE = "chaos";
/** sluice's deadline of one Git fetch in the run (--repo-timeout; its default is 60 s). */
const GIT_FETCH_DEADLINE_S = 4;

export const replayCommand = (seed: number, mode: ChaosMode) =>
  ["npm run chaos -- --seed", String(seed), ...mode.flags].join(" ");

export async function runChaos(
  seed: number,
  mode: ChaosMode,
  print: (line: string) => void,
): Promise<ChaosResult> {
  const started = Date.now();
  const log = (m: string) => print(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);
  const planned = withGitOutages(seed, faultSchedule(seed, mode.shape));
  const schedule = mode.ha ? withVictims(seed, planned) : planned;
  log(`seed ${seed} (replay: ${replayCommand(seed, mode)})`);
  log(
    `${mode.name}: ${mode.canaries} canaries + 1 zero-tolerance; schedule:\n  ${schedule.map(describeFault).join("\n  ")}`,
  );
  const cluster = await LocalCluster.start({ prometheus: false, log: (m) => log(`cluster: ${m}`) });
  const { kubeconfig, workDir } = cluster.info;
  const transport = new KubeTransport(loadKubeConfig(kubeconfig), { userAgent: "sluice-chaos" });
  const client = new KubeClient(transport);
  const logDir = join(workDir, "controller");
  await mkdir(logDir, { recursive: true });
  const tools = binaryPaths();
  const flags = [
    // Git is read every 2 s, and a fetch from a hung server given up after 4 s, so an unreachable
    // remote is noticed within the window either way (the first Git outage lasts 8 s at least).
    "--repo-poll=2s",
    `--repo-timeout=${GIT_FETCH_DEADLINE_S}s`,
    `--repo-cache-dir=${join(workDir, "repo-cache")}`,
    `--kustomize-path=${tools.kustomize}`,
    `--helm-path=${tools.helm}`,
  ];
  const controller = mode.ha
    ? new ChaosReplicas(client, kubeconfig, NAMESPACE, logDir, flags)
    : new ChaosController(kubeconfig, NAMESPACE, logDir, flags);
  let prometheus: ChaosPrometheus | undefined;
  let git: GitRepos | undefined;
  let watch: ReadyEndpointsWatch | undefined;
  let failed = true;
  try {
    prometheus = await ChaosPrometheus.start(workDir);
    git = await GitRepos.create(join(workDir, "git"), Math.ceil(mode.canaries / 10));
    const parts = await setUp(client, controller, prometheus, git, mode, workDir);
    log(`every Rollout Healthy on web:1, ${git.count} Applications Synced from ${git.url(0)} and on`);
    watch = new ReadyEndpointsWatch(client, NAMESPACE, new Set(parts.canaries.map(stableService)));
    await watch.start();
    const run = { client, cluster, controller, prometheus, watch, mode, schedule, log, git };
    const checks = await chaos(parts.canaries, run);
    failed = checks.some((c) => c.failures.length > 0);
    log(`${failed ? "FAILED" : "passed"} (seed ${seed}):\n${checksTable(checks)}`);
    return { seed, checks, failed, seconds: (Date.now() - started) / 1000, workDir };
  } catch (error) {
    throw new Error(`chaos run with seed ${seed} broke off: ${(error as Error).message}; logs: ${workDir}`, {
      cause: error,
    });
  } finally {
    await watch?.stop();
    await controller.stop();
    await prometheus?.stop();
    await git?.stop();
    transport.close();
    if (failed) log(`logs kept in ${workDir}`);
    await cluster.stop({ keepWorkDir: failed });
  }
}

/** CRDs, the fleet at web:1 and the Applications, all settled under one controller. */
async function setUp(
  client: KubeClient,
  controller: ChaosController | ChaosReplicas,
  prometheus: ChaosPrometheus,
  git: GitRepos,
  mode: ChaosMode,
  workDir: string,
) {
  await installDevCrds(join(workDir, "kubeconfig"));
  const canaries = fleet(mode.canaries);
  await createFleet(client, NAMESPACE, canaries, {
    prometheusUrl: prometheus.url,
    query: prometheus.query,
    pauseSeconds: mode.pauseSeconds,
  });
  await createApplications(client, NAMESPACE, git);
  await controller.start();
  await settle(client, NAMESPACE, canaries, [], { v1: true, timeoutMs: 120_000 });
  await appsSynced(client, git, 60_000);
  return { canaries };
}

function appsSynced(client: KubeClient, git: GitRepos, timeoutMs: number) {
  return waitFor(
    "every Application Synced and Healthy at its commit",
    async () => {
      const behind = await unsyncedApplications(client, NAMESPACE, git);
      return behind.length === 0 ? true : pending(behind.slice(0, 3).join("; "));
    },
    { timeoutMs, intervalMs: 500 },
  );
}

interface Run {
  client: KubeClient;
  cluster: LocalCluster;
  controller: ChaosController | ChaosReplicas;
  prometheus: ChaosPrometheus;
  git: GitRepos;
  watch: ReadyEndpointsWatch;
  mode: ChaosMode;
  schedule: ReturnType<typeof faultSchedule>;
  log: (m: string) => void;
}

/** The update under faults, the wait for the end state, and the evidence for the invariants. */
async function chaos(canaries: Canary[], r: Run): Promise<Check[]> {
  await updateFleet(r.client, NAMESPACE, canaries);
  const openedAt = Date.now();
  r.log(`every Rollout updated to web:2; fault window of ${r.mode.shape.windowMs / 1000}s open`);
  const replicas = r.controller instanceof ChaosReplicas ? r.controller : undefined;
  const lease = leaseTimings(NAMESPACE);
  const faultWindows = await runFaults(r.schedule, openedAt, r);
  // The HA windows need the audit log's Lease writes: complete up to here, as the faults are over.
  const windows = replicas
    ? haWindows(
        faultWindows,
        replicas,
        leaseWrites(await readAuditEvents(r.cluster.info.auditLog), lease),
        lease,
      )
    : faultWindows;
  r.log(`fault window closed; outages:\n${windowsTable(windows, openedAt)}`);
  const settled = await settle(r.client, NAMESPACE, canaries, windows, { timeoutMs: r.mode.settleTimeoutMs })
    .then(() => appsSynced(r.client, r.git, 60_000))
    .catch((error: Error) => r.log(`not settled: ${error.message}`));
  r.log(settled ? "every Rollout in its end state, every Application Synced" : "checking an unsettled run");
  const heap = replicas
    ? await replicas.heap()
    : { baseline: r.controller.baselineHeap, end: await (r.controller as ChaosController).heapAfterGc() };
  await r.watch.stop();
  const gaps = r.watch.gaps.map(([a, b]) => `${b - a}ms`).join(", ");
  r.log(
    `EndpointSlice watch: ${r.watch.events} events, re-listed after ${r.watch.gaps.length} break(s) (${gaps}) and ${r.watch.rewatches} timed-out watch(es)`,
  );
  const final = await observe(r.client, NAMESPACE, canaries);
  r.log(`end states: ${tally(final)}`);
  // For a post-mortem of a failed run (the work dir is kept then): what was planned and what happened.
  const record = { schedule: r.schedule, openedAt, windows, endpointGaps: r.watch.gaps };
  await writeFile(join(r.cluster.info.workDir, "chaos-run.json"), JSON.stringify(record, null, 2));
  const audit = await readAuditEvents(r.cluster.info.auditLog);
  const checks = checkAll({
    observed: final,
    windows,
    audit,
    zeroReady: r.watch.violations,
    neverReady: r.watch.neverReady(),
    heap,
    unexpectedExits: r.controller.unexpectedExits,
    unsyncedApps: await unsyncedApplications(r.client, NAMESPACE, r.git),
    gitFailures: await gitFailuresReported(r.client, NAMESPACE),
    gitOutages: r.schedule.flatMap((f) => (f.gitOutage ? [f.gitOutage] : [])),
    namespace: NAMESPACE,
  });
  if (!replicas) return checks;
  r.log(
    `leadership (from the fault window's opening):\n  ${leadershipSummary(audit, lease, openedAt).join("\n  ")}`,
  );
  return [...checks, ...haChecks(audit, windows, replicas, lease)];
}
