// Runs sluice for the demo as `npm run dev` does: src/main.ts in a child process of its own (its
// own process group, so stopping it takes everything it started), logging JSON to a file so the
// narration stays readable, scoped to the demo's namespace so it leaves anything else on a shared
// cluster alone.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryPaths } from "../test/cluster/binaries.ts";
import { waitForHealthy } from "../test/cluster/health.ts";
import { freePorts } from "../test/cluster/ports.ts";
import { ManagedProcess } from "../test/cluster/process.ts";

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");

export interface RunningController {
  process: ManagedProcess;
  metricsUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  kubeconfig: string;
  namespace: string;
  logDir: string;
  /** How often sluice reads the repository without being asked (the story also asks at each commit). */
  repoPoll: string;
}

/** The flags of src/main.ts for the demo (pure, so the choice is visible and tested). */
export function controllerArgs(options: ControllerOptions, metricsPort: number): string[] {
  const tools = binaryPaths();
  return [
    `--kubeconfig=${options.kubeconfig}`,
    `--namespace=${options.namespace}`,
    `--application-namespace=${options.namespace}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    "--leader-elect=false",
    "--log-format=json",
    `--repo-poll=${options.repoPoll}`,
    `--repo-cache-dir=${join(options.logDir, "repo-cache")}`,
    // The harness's kustomize and helm when built; the sample app is plain YAML and needs neither.
    ...(existsSync(tools.kustomize) ? [`--kustomize-path=${tools.kustomize}`] : []),
    ...(existsSync(tools.helm) ? [`--helm-path=${tools.helm}`] : []),
  ];
}

/** Starts sluice and waits until /readyz says its informers have synced. */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const [port] = await freePorts(1);
  const metricsPort = port ?? 0;
  const logFile = join(options.logDir, "sluice.log");
  const proc = ManagedProcess.start({
    name: "sluice",
    command: process.execPath,
    args: [
      "--max-semi-space-size=8",
      "--expose-gc",
      "--import",
      "tsx",
      join(REPO_ROOT, "src", "main.ts"),
      ...controllerArgs(options, metricsPort),
    ],
    logFile,
    cwd: REPO_ROOT,
  });
  const base = `http://127.0.0.1:${metricsPort}`;
  try {
    await waitForHealthy(proc, `${base}/readyz`, {}, 90_000);
  } catch (error) {
    await proc.stop(2000);
    throw error;
  }
  return {
    process: proc,
    metricsUrl: `${base}/metrics`,
    logFile,
    stop: async () => {
      await proc.stop(10_000);
    },
  };
}
