// How sluice runs a render tool (kustomize, helm): the binary with an argument array (never a shell
// string), in a private scratch directory, with an environment carrying nothing of the controller's
// own (no tokens, no kubeconfig), a deadline after which the tool's whole process group is killed
// (as Argo CD's exec timeout, 90 s by default; a group, so a child the tool started dies with it),
// and a cap on what it may print. A failure is a RenderError with the tool's own words, trimmed and
// capped, which the Application's ComparisonError condition shows.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RenderError } from "./confine.ts";

export interface ToolRun {
  binary: string;
  args: string[];
  cwd: string;
  /** Added to the minimal environment (PATH, HOME, LC_ALL). */
  env?: Record<string, string>;
  /** The scratch directory of this render: HOME points there. */
  scratch: string;
  timeoutMs: number;
  /** Cap on stdout, in bytes. */
  maxBytes: number;
  /** What the messages call the run, e.g. `kustomize build app`. */
  label: string;
}

/** How much of a tool's stderr a message carries. */
const MAX_MESSAGE = 2048;

/**
 * The tool's error, trimmed: from its first `Error:` line when it prints one (warnings come first),
 * without the usage text a CLI prints after it.
 */
export function toolMessage(stderr: string): string {
  const trimmed = stderr.trim();
  const at = trimmed.search(/^Error:/m);
  const text = (at > 0 ? trimmed.slice(at) : trimmed).split(/\nUsage:/)[0]?.trim() ?? "";
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** Kills the whole process group (the tool was started as its leader). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Runs the tool; resolves with its stdout, rejects with a RenderError naming why. A failure
 * (deadline, output cap) settles at once: a process that escaped the group and still holds the
 * pipes cannot hold the render past its deadline.
 */
export function runTool(run: ToolRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.binary, run.args, {
      cwd: run.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: run.scratch, LC_ALL: "C", ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let settled = false;
    const fail = (why: string) => {
      killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      finish(() => reject(new RenderError(why)));
    };
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      if (!settled) settle();
      settled = true;
    };
    const timer = setTimeout(
      () => fail(`${run.label}: no answer within ${run.timeoutMs / 1000}s; the tool was killed`),
      run.timeoutMs,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > run.maxBytes) fail(`${run.label}: output exceeds ${run.maxBytes} bytes`);
      else stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      // The head carries the error; a runaway tail is not kept.
      if (stderr.length < 4 * MAX_MESSAGE) stderr += chunk.toString("utf8");
    });
    child.on("error", (error) => fail(`${run.label}: cannot run ${run.binary}: ${error.message}`));
    child.on("close", (code, signal) =>
      finish(() => {
        if (code === 0) return resolve(Buffer.concat(stdout).toString("utf8"));
        const message = toolMessage(stderr) || `exited with ${signal ?? `code ${code}`}`;
        reject(new RenderError(`${run.label} failed: ${message}`));
      }),
    );
  });
}

/** Runs `work` with a fresh private directory (0700), removed afterwards whatever happens. */
export async function withScratch<T>(work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), "sluice-render-"));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** At most `size` renders at once, shared by every Application; the rest wait their turn in order. */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`render concurrency must be ≥ 1, got ${size}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await work();
    } finally {
      // A waiter inherits this slot, so `running` stays counted.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** What a renderer needs to run its tool. */
export interface ToolSettings {
  binary: string;
  timeoutMs: number;
  maxBytes: number;
}
