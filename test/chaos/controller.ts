// The driver's side of controller-child.ts: one incarnation at a time, started with the flags a
// deployment would use, killed with SIGKILL (its whole process group, mid-write or not) and started
// again as a new incarnation with a new identity, so the audit log tells incarnations apart. With
// leader election (the HA mode, replicas.ts) one such controller is one replica: a standby is up but
// not ready, and an exit on losing the lease is sluice's own design (restart and trust a clean
// start), so it is restarted here as a kubelet would, and counted, never taken for a crash.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pending, waitFor } from "../helpers/wait.ts";

const repoRoot = join(import.meta.dirname, "..", "..");

interface Incarnation {
  identity: string;
  child: ChildProcess;
  reports: Record<string, number | boolean>[];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Set before the driver kills or stops it: any other exit is a crash. */
  endedByDriver: boolean;
  /** Epoch ms of its ready report (with leader election: leading and synced). */
  readyAtMs: number | undefined;
  /** Heap after GC at that ready report (bytes). */
  heapAtReady: number;
}

/** What the driver knows of the running incarnation. */
export interface IncarnationView {
  identity: string;
  readyAtMs: number | undefined;
  heapAtReady: number;
}

export interface ControllerOptions {
  /** Identity prefix: incarnations are `<name>-1`, `<name>-2`, ... */
  name?: string;
  /** Leader election flags (lease name, namespace, timings); absent: --leader-elect=false. */
  leaderElection?: string[];
}

/** An exit on losing the lease: when, and the incarnation that lost it. */
export interface LeaseLoss {
  identity: string;
  atMs: number;
}

export class ChaosController {
  private current: Incarnation | undefined;
  private count = 0;
  /** Heap after GC of the running incarnation right after it synced (bytes). */
  baselineHeap = 0;
  /** Incarnations that exited without being killed or stopped (nor, electing, losing the lease). */
  readonly unexpectedExits: string[] = [];
  /** Electing only: incarnations that exited on losing the lease (each restarted at once). */
  readonly leaseLosses: LeaseLoss[] = [];
  /** Every ready report (with leader election: each time a replica led and had synced). */
  readonly readies: { identity: string; atMs: number }[] = [];

  constructor(
    private readonly kubeconfig: string,
    private readonly namespace: string,
    private readonly logDir: string,
    /** Further sluice flags (Git polling, repo cache, renderers). */
    private readonly extraArgs: string[] = [],
    private readonly options: ControllerOptions = {},
  ) {}

  get identity(): string | undefined {
    return this.current?.identity;
  }

  /** The running incarnation, if any (undefined once it exited). */
  get running(): IncarnationView | undefined {
    const c = this.current;
    return c && !c.exit
      ? { identity: c.identity, readyAtMs: c.readyAtMs, heapAtReady: c.heapAtReady }
      : undefined;
  }

  get incarnations(): number {
    return this.count;
  }

  /**
   * Starts a new incarnation and waits until its informers have synced ("ready"), or, for a replica
   * that may stand by, only until it runs ("up").
   */
  async start(readyTimeoutMs = 60_000, until: "ready" | "up" = "ready"): Promise<void> {
    if (this.current && !this.current.exit) throw new Error(`${this.current.identity} is still running`);
    const identity = `${this.options.name ?? "chaos-ctl"}-${++this.count}`;
    const log = openSync(join(this.logDir, `${identity}.log`), "a");
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        "tsx",
        join(repoRoot, "test", "chaos", "controller-child.ts"),
        `--kubeconfig=${this.kubeconfig}`,
        `--namespace=${this.namespace}`,
        ...(this.options.leaderElection ?? ["--leader-elect=false"]),
        `--identity=${identity}`,
        "--metrics-addr=127.0.0.1:0",
        "--log-level=info",
        ...this.extraArgs,
      ],
      // Its own process group: a kill takes tsx's loader worker with it.
      { cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", log] },
    );
    const incarnation: Incarnation = {
      identity,
      child,
      reports: [],
      exit: undefined,
      endedByDriver: false,
      readyAtMs: undefined,
      heapAtReady: 0,
    };
    child.once("exit", (code, signal) => {
      incarnation.exit = { code, signal };
      if (!incarnation.endedByDriver) this.exitedByItself(incarnation);
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const report = JSON.parse(line) as Record<string, number | boolean>;
      if (report.ready) {
        incarnation.readyAtMs = Date.now();
        incarnation.heapAtReady = Number(report.heapUsed);
        this.readies.push({ identity, atMs: incarnation.readyAtMs });
      }
      incarnation.reports.push(report);
    });
    this.current = incarnation;
    await this.nextReport(until, 0, readyTimeoutMs);
    if (until === "ready") this.baselineHeap = incarnation.heapAtReady;
  }

  /** A lost lease (sluice's "leadership lost", exit 1) is restarted and counted; anything else is a crash. */
  private exitedByItself(incarnation: Incarnation): void {
    const { identity, exit } = incarnation;
    const logPath = join(this.logDir, `${identity}.log`);
    const lostLease =
      this.options.leaderElection !== undefined &&
      exit?.code === 1 &&
      readFileSync(logPath, "utf8").includes("leadership lost");
    if (!lostLease) {
      this.unexpectedExits.push(
        `${identity} exited by itself (code ${exit?.code}, signal ${exit?.signal}); log: ${logPath}`,
      );
      return;
    }
    this.leaseLosses.push({ identity, atMs: Date.now() });
    // Only if it is still the current one: the driver may be starting another already.
    if (this.current === incarnation) {
      this.start(60_000, "up").catch((error: Error) =>
        this.unexpectedExits.push(`restart after ${identity} lost the lease failed: ${error.message}`),
      );
    }
  }

  /** kill -9 of the running incarnation's process group; resolves once it is gone. */
  async kill(): Promise<void> {
    const running = this.current;
    if (!running || running.exit) return;
    running.endedByDriver = true;
    const exited = new Promise((r) => running.child.once("exit", r));
    try {
      process.kill(-(running.child.pid ?? 0), "SIGKILL");
    } catch (error) {
      // Gone already (it crashed on its own): the exit is still awaited and reported.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
    await exited;
  }

  /** V8 heap used right after a full GC in the running incarnation (bytes). */
  async heapAfterGc(): Promise<number> {
    const running = this.current;
    if (!running || running.exit) throw new Error("no controller running to measure");
    const seen = running.reports.length;
    running.child.kill("SIGUSR2");
    const report = await this.nextReport("heapUsed", seen, 15_000);
    return Number(report.heapUsed);
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 10 s. */
  async stop(): Promise<void> {
    const running = this.current;
    if (!running || running.exit) return;
    running.endedByDriver = true;
    const exited = new Promise((r) => running.child.once("exit", r));
    running.child.kill("SIGTERM");
    const timer = setTimeout(() => process.kill(-(running.child.pid ?? 0), "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private nextReport(key: string, from: number, timeoutMs: number) {
    const running = this.current as Incarnation;
    return waitFor(
      `${running.identity} to report ${key}`,
      () => {
        if (running.exit) {
          throw new Error(
            `${running.identity} exited (${JSON.stringify(running.exit)}); log: ${this.logDir}/${running.identity}.log`,
          );
        }
        const found = running.reports.slice(from).find((r) => key in r);
        return found ?? pending(`${running.reports.length} reports`);
      },
      { timeoutMs, intervalMs: 50 },
    );
  }
}
