// The driver's side of controller-child.ts: one incarnation at a time, started with the flags a
// deployment would use, killed with SIGKILL (its whole process group, mid-write or not) and started
// again as a new incarnation with a new identity, so the audit log tells incarnations apart.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
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
}

export class ChaosController {
  private current: Incarnation | undefined;
  private count = 0;
  /** Heap after GC of the running incarnation right after it synced (bytes). */
  baselineHeap = 0;
  /** Incarnations that exited without being killed or stopped. */
  readonly unexpectedExits: string[] = [];

  constructor(
    private readonly kubeconfig: string,
    private readonly namespace: string,
    private readonly logDir: string,
    /** Further sluice flags (Git polling, repo cache, renderers). */
    private readonly extraArgs: string[] = [],
  ) {}

  get identity(): string | undefined {
    return this.current?.identity;
  }

  get incarnations(): number {
    return this.count;
  }

  /** Starts a new incarnation and waits until its informers have synced. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    if (this.current && !this.current.exit) throw new Error(`${this.current.identity} is still running`);
    const identity = `chaos-ctl-${++this.count}`;
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
        "--leader-elect=false",
        `--identity=${identity}`,
        "--metrics-addr=127.0.0.1:0",
        "--log-level=info",
        ...this.extraArgs,
      ],
      // Its own process group: a kill takes tsx's loader worker with it.
      { cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", log] },
    );
    const incarnation: Incarnation = { identity, child, reports: [], exit: undefined, endedByDriver: false };
    child.once("exit", (code, signal) => {
      incarnation.exit = { code, signal };
      if (!incarnation.endedByDriver) {
        this.unexpectedExits.push(
          `${identity} exited by itself (code ${code}, signal ${signal}); log: ${this.logDir}/${identity}.log`,
        );
      }
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("{")) incarnation.reports.push(JSON.parse(line));
    });
    this.current = incarnation;
    await this.nextReport("ready", 0, readyTimeoutMs);
    this.baselineHeap = await this.heapAfterGc();
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
