// The controller under measurement runs alone in a child process, so the RSS and CPU a bench reads
// from /proc are its own. The child prints JSON lines: the first once it is ready (with its
// metrics port), the last on SIGTERM (its own CPU, heap, event-loop delay). Lines with `"sample"`
// in between (the soak's periodic heap and RSS) go to `onSample` instead.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface BenchChild {
  pid: number;
  metricsPort: number;
  /** The webhook receiver's port, when the child runs one. */
  webhookPort: number | undefined;
  /** Sends SIGTERM and resolves with the child's last report. */
  stop(): Promise<Record<string, number>>;
}

const root = join(import.meta.dirname, "..", "..");

/**
 * The runtime flags the controller ships with (the Dockerfile's ENTRYPOINT, `npm start`): a bench
 * measures what users run. test/unit/dockerfile.test.ts keeps the three in step.
 */
export const CONTROLLER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--expose-gc"];

/**
 * Extra runtime flags for the child from SLUICE_BENCH_NODE_FLAGS (space-separated), e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the controller (NODE_OPTIONS refuses those).
 */
const extraFlags = (process.env.SLUICE_BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);

/** Starts `bench/<script>` with tsx and the shipped runtime flags, and waits for its ready line. */
export async function startBenchChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: string[] = [],
  onSample: (sample: Record<string, number>) => void = () => undefined,
): Promise<BenchChild> {
  const child = spawn(
    process.execPath,
    [
      ...CONTROLLER_NODE_FLAGS,
      ...nodeFlags,
      ...extraFlags,
      "--import",
      "tsx",
      join(root, "bench", script),
      ...args,
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env,
    },
  );
  const lines = createInterface({ input: child.stdout });
  const reports: Record<string, number>[] = [];
  lines.on("line", (line) => {
    if (!line.startsWith("{")) return;
    const report = JSON.parse(line) as Record<string, number>;
    if ("sample" in report) onSample(report);
    else reports.push(report);
  });
  const nextReport = async (index: number) => {
    while (reports.length <= index) {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return reports[index] ?? {};
  };
  const ready = await nextReport(0);
  return {
    pid: child.pid ?? 0,
    metricsPort: ready.metricsPort ?? 0,
    webhookPort: ready.webhookPort,
    stop: async () => {
      if (child.exitCode !== null) return reports.at(-1) ?? {};
      child.kill("SIGTERM");
      const last = await nextReport(1);
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
      return last;
    },
  };
}
