// The local control plane of the test harness: etcd, kube-apiserver (with an audit log),
// kube-controller-manager, kube-scheduler and kwok as separate processes on loopback, plus the
// nginx Ingress stand-in and a Prometheus. Every component can be stopped and restarted alone
// (tests of watch breaks and outages need that). See DESIGN.md §9.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { type BinaryPaths, binaryPaths, clusterDir, missingBinaries } from "./binaries.ts";
import { type TlsFiles, waitForHealthy } from "./health.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { createPki, type Pki } from "./pki.ts";
import { freePorts } from "./ports.ts";
import { isAlive, killProcessGroup, ManagedProcess, type ProcessSpec } from "./process.ts";
import { Prometheus } from "./prometheus.ts";

export type ComponentName =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kwok"
  | "ingress-standin";

export interface ClusterOptions {
  /** Directory for certs, data and logs; a fresh temp dir when absent. */
  workDir?: string;
  /** Number of fake kwok nodes. */
  nodes?: number;
  prometheus?: boolean;
  /**
   * Only etcd and kube-apiserver (no controller-manager, scheduler, kwok, stand-in): enough for
   * tests of API machinery, and quick to start for tests that restart the API server.
   */
  minimal?: boolean;
  /**
   * Bench-only settings, so a benchmark measures sluice and not the control plane's throttles:
   * controller-manager and scheduler client QPS/burst and worker counts raised, API priority and
   * fairness off with larger in-flight limits. Tests never use it: they run as a user's cluster does.
   */
  bench?: boolean;
  /** Leave the processes running when this process exits (npm run cluster:up). */
  detached?: boolean;
  log?: (message: string) => void;
}

/** What a test process needs to reach the cluster; passed to tests through the environment. */
export interface ClusterInfo {
  workDir: string;
  kubeconfig: string;
  server: string;
  auditLog: string;
  prometheusUrl?: string;
  prometheusTargetsDir?: string;
}

interface StateFile {
  ownerPid: number;
  detached: boolean;
  info: ClusterInfo;
  processes: { name: string; pid: number }[];
}

const STATE_FILE = "state.json";
const WORKDIR_PREFIX = "sluice-cluster-";

export class LocalCluster {
  private readonly processes = new Map<ComponentName, ManagedProcess>();
  private readonly specs = new Map<ComponentName, { spec: ProcessSpec; health: () => Promise<void> }>();
  private prom: Prometheus | undefined;
  private stopped = false;

  private constructor(
    readonly info: ClusterInfo,
    private readonly options: ClusterOptions,
    private readonly log: (message: string) => void,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<LocalCluster> {
    const log = options.log ?? ((m: string) => process.stderr.write(`[cluster] ${m}\n`));
    const missing = missingBinaries();
    if (missing.length > 0) {
      throw new Error(
        `control-plane binaries missing (run npm run cluster:build):\n  ${missing.join("\n  ")}`,
      );
    }
    await reapAbandonedClusters(log);
    const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), WORKDIR_PREFIX)));
    await mkdir(workDir, { recursive: true });
    const info: ClusterInfo = {
      workDir,
      kubeconfig: join(workDir, "kubeconfig"),
      server: "",
      auditLog: join(workDir, "audit.log"),
    };
    const cluster = new LocalCluster(info, options, log);
    try {
      await cluster.boot(binaryPaths());
    } catch (error) {
      await cluster.stop({ keepWorkDir: true });
      log(`start failed; logs kept in ${workDir}`);
      throw error;
    }
    return cluster;
  }

  get prometheus(): Prometheus | undefined {
    return this.prom;
  }

  component(name: ComponentName): ManagedProcess {
    const proc = this.processes.get(name);
    if (!proc) throw new Error(`no component ${name}`);
    return proc;
  }

  /** Stops one component (SIGTERM, then SIGKILL) and leaves it down. */
  async stopComponent(name: ComponentName): Promise<void> {
    await this.component(name).stop();
  }

  /** Starts a stopped component again with the same flags and ports and waits until it is healthy. */
  async startComponent(name: ComponentName): Promise<void> {
    const entry = this.specs.get(name);
    if (!entry) throw new Error(`no component ${name}`);
    if (this.processes.get(name)?.running) throw new Error(`${name} is already running`);
    this.processes.set(name, ManagedProcess.start(entry.spec));
    await entry.health();
    await this.writeState();
  }

  async restartComponent(name: ComponentName): Promise<void> {
    await this.stopComponent(name);
    await this.startComponent(name);
  }

  /** Peak and current resident memory of each running component, read from /proc (Linux). */
  memoryUsage(): { name: string; peakRssMiB: number; rssMiB: number }[] {
    const procs = [...this.processes.values()];
    if (this.prom) procs.push(this.prom.process);
    return procs
      .filter((p) => p.running)
      .map((p) => {
        const status = readFileSync(`/proc/${p.pid}/status`, "utf8");
        const kib = (field: string) =>
          Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
        return {
          name: p.name,
          peakRssMiB: Math.round(kib("VmHWM") / 1024),
          rssMiB: Math.round(kib("VmRSS") / 1024),
        };
      });
  }

  /**
   * Stops everything in reverse start order; safe to call twice. A work dir the harness made
   * itself is removed unless `keepWorkDir` (the driver keeps it when a test failed, for the logs).
   */
  async stop(options: { keepWorkDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.prom?.stop();
    const order = [...this.processes.values()].reverse();
    for (const proc of order) await proc.stop();
    await rm(join(this.info.workDir, STATE_FILE), { force: true });
    if (this.options.workDir === undefined && !options.keepWorkDir) {
      await rm(this.info.workDir, { recursive: true, force: true });
    }
  }

  private async boot(bin: BinaryPaths): Promise<void> {
    const { workDir } = this.info;
    const started = Date.now();
    const pkiDir = join(workDir, "pki");
    await mkdir(pkiDir, { recursive: true });
    const pki = await createPki(pkiDir);
    const tls: TlsFiles = {
      ca: await readFile(pki.caCert),
      cert: await readFile(pki.adminCert),
      key: await readFile(pki.adminKey),
    };
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await freePorts(6);
    const server = `https://127.0.0.1:${apiPort}`;
    this.info.server = server;
    await writeKubeconfig(this.info.kubeconfig, server, pki);

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await this.launch("etcd", {
      command: bin.etcd,
      args: [
        "--name=node0",
        `--data-dir=${join(workDir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=node0=http://127.0.0.1:${etcdPeer}`,
        "--auto-compaction-retention=1",
        "--quota-backend-bytes=4294967296",
        // Tests only: no fsync keeps etcd fast on a shared CI disk; benchmarks may turn it back on.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      health: `${etcdUrl}/readyz`,
    });

    await this.launch(
      "kube-apiserver",
      {
        command: bin.kubeApiserver,
        args: [
          ...apiserverArgs(pki, apiPort ?? 0, etcdUrl, this.info.auditLog),
          ...(this.options.bench ? BENCH_APISERVER_ARGS : []),
        ],
        health: `${server}/readyz`,
      },
      tls,
    );
    this.log(`etcd and kube-apiserver ready in ${Date.now() - started}ms`);

    if (this.options.minimal) {
      await this.writeState();
      return;
    }
    const secureHealth: TlsFiles = { insecure: true };
    const common = [
      `--kubeconfig=${this.info.kubeconfig}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
    ];
    await Promise.all([
      this.launch(
        "kube-controller-manager",
        {
          command: bin.kubeControllerManager,
          args: [
            ...common,
            `--secure-port=${kcmPort}`,
            `--root-ca-file=${pki.caCert}`,
            `--service-account-private-key-file=${pki.adminKey}`,
            "--cluster-name=sluice-test",
            "--v=1",
            ...(this.options.bench ? BENCH_CONTROLLER_MANAGER_ARGS : []),
          ],
          health: `https://127.0.0.1:${kcmPort}/healthz`,
        },
        secureHealth,
      ),
      this.launch(
        "kube-scheduler",
        {
          command: bin.kubeScheduler,
          args: [
            ...common,
            `--secure-port=${schedPort}`,
            "--v=1",
            ...(this.options.bench ? BENCH_CLIENT_ARGS : []),
          ],
          health: `https://127.0.0.1:${schedPort}/healthz`,
        },
        secureHealth,
      ),
      this.launch("kwok", {
        command: bin.kwok,
        args: [
          `--kubeconfig=${this.info.kubeconfig}`,
          `--config=${join(clusterDir, "kwok", "stages.yaml")}`,
          "--manage-all-nodes=true",
          "--cidr=10.244.0.0/16",
          "--node-ip=192.0.2.1",
          "--node-lease-duration-seconds=40",
          `--server-address=127.0.0.1:${kwokPort}`,
        ],
        health: `http://127.0.0.1:${kwokPort}/healthz`,
      }),
      this.launch("ingress-standin", {
        command: process.execPath,
        args: ["--import", "tsx", join(clusterDir, "ingress-standin.ts"), this.info.kubeconfig],
        cwd: join(clusterDir, "..", ".."),
      }),
    ]);
    await this.writeState();

    const kc = new KubeConfig();
    kc.loadFromFile(this.info.kubeconfig);
    await createNodes(kc, this.options.nodes ?? 3);
    await waitForClusterUsable(kc);
    this.log(`control plane ready in ${Date.now() - started}ms (${workDir})`);

    if (this.options.prometheus ?? true) {
      this.prom = await Prometheus.start({ dir: join(workDir, "prometheus") });
      this.info.prometheusUrl = this.prom.url;
      this.info.prometheusTargetsDir = this.prom.targetsDir;
      this.log(`prometheus ready at ${this.prom.url}`);
    }
    await this.writeState();
  }

  private async launch(
    name: ComponentName,
    what: { command: string; args: string[]; health?: string; cwd?: string },
    tls: TlsFiles = {},
  ): Promise<void> {
    const spec: ProcessSpec = {
      name,
      command: what.command,
      args: what.args,
      logFile: join(this.info.workDir, `${name}.log`),
      ...(what.cwd ? { cwd: what.cwd } : {}),
    };
    const health = async () => {
      const proc = this.component(name);
      if (what.health) await waitForHealthy(proc, what.health, tls, 90_000);
      else if (!proc.running) throw new Error(proc.describeExit());
    };
    this.specs.set(name, { spec, health });
    this.processes.set(name, ManagedProcess.start(spec));
    await health();
  }

  private async writeState(): Promise<void> {
    const state: StateFile = {
      ownerPid: process.pid,
      detached: this.options.detached ?? false,
      info: this.info,
      processes: [...this.processes.values()]
        .filter((p) => p.running)
        .map((p) => ({ name: p.name, pid: p.pid }))
        .concat(this.prom?.process.running ? [{ name: "prometheus", pid: this.prom.process.pid }] : []),
    };
    await writeFile(join(this.info.workDir, STATE_FILE), JSON.stringify(state, null, 2));
  }
}

/** Client rate limits far above what a bench on one machine reaches (defaults: 20/30, 50/100). */
const BENCH_CLIENT_ARGS = ["--kube-api-qps=2000", "--kube-api-burst=4000"];
const BENCH_CONTROLLER_MANAGER_ARGS = [
  ...BENCH_CLIENT_ARGS,
  "--concurrent-deployment-syncs=50",
  "--concurrent-replicaset-syncs=50",
  "--concurrent-service-endpoint-syncs=50",
  "--concurrent-gc-syncs=50",
];
const BENCH_APISERVER_ARGS = [
  "--enable-priority-and-fairness=false",
  "--max-requests-inflight=4000",
  "--max-mutating-requests-inflight=2000",
];

function apiserverArgs(pki: Pki, port: number, etcdUrl: string, auditLog: string): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.adminCert}`,
    `--tls-private-key-file=${pki.adminKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.adminKey}`,
    `--service-account-signing-key-file=${pki.adminKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--authorization-mode=Node,RBAC",
    "--allow-privileged=true",
    `--audit-policy-file=${join(clusterDir, "audit-policy.yaml")}`,
    `--audit-log-path=${auditLog}`,
    "--audit-log-format=json",
    "--audit-log-maxbackup=0",
    "--profiling=false",
    "--v=1",
  ];
}

async function createNodes(kc: KubeConfig, count: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    const node: V1Node = {
      metadata: {
        name,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
      status: {
        allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
        capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      },
    };
    await core.createNode({ body: node });
  }
}

/** Usable = every node Ready and the default ServiceAccount exists (pods need it to be admitted). */
async function waitForClusterUsable(kc: KubeConfig, timeoutMs = 90_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const nodes = await core.listNode();
      const notReady = nodes.items
        .filter((n) => !n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        .map((n) => n.metadata?.name);
      if (notReady.length > 0) last = `nodes not Ready: ${notReady.join(", ")}`;
      else {
        await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
        return;
      }
    } catch (error) {
      last = (error as Error).message.split("\n")[0] ?? "";
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`cluster not usable within ${timeoutMs}ms: ${last}`);
}

/** Kills the processes of clusters whose owning process died without tearing them down. */
export async function reapAbandonedClusters(log: (m: string) => void, root = tmpdir()): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return;
  }
  for (const entry of entries.filter((e) => e.startsWith(WORKDIR_PREFIX))) {
    const dir = join(root, entry);
    const state = readState(dir);
    if (!state) continue;
    if (state.detached || isAlive(state.ownerPid)) continue;
    for (const p of state.processes) killProcessGroup(p.pid);
    await rm(dir, { recursive: true, force: true });
    log(`reaped abandoned cluster ${dir}`);
  }
}

export function readState(workDir: string): StateFile | undefined {
  const file = join(workDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StateFile;
  } catch {
    return undefined;
  }
}

/** Stops a detached cluster (npm run cluster:down) from its state file. */
export async function stopDetachedCluster(workDir: string): Promise<boolean> {
  const state = readState(workDir);
  if (!state) return false;
  for (const p of [...state.processes].reverse()) {
    killProcessGroup(p.pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while (isAlive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(p.pid)) killProcessGroup(p.pid, "SIGKILL");
  }
  await rm(join(workDir, STATE_FILE), { force: true });
  return true;
}
