// Which cluster the demo runs on. By default its own: the demo builds the control plane if needed
// (test/cluster/build.sh, cached by version) and starts it with the harness (LocalCluster, free
// loopback ports) in its work dir, and stops it on exit. With --cluster-dir it uses a running
// harness cluster (`npm run cluster:up`) as it is and leaves it running. Not `npm run dev`'s by
// default: the sluice that dev runs watches every namespace, and two Rollout controllers on the
// demo's Rollout would fight.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { clusterDir, missingBinaries } from "../test/cluster/binaries.ts";
import { LocalCluster, readState } from "../test/cluster/cluster.ts";
import { isAlive } from "../test/cluster/process.ts";
import type { DemoCluster } from "./session.ts";

export interface ClusterChoice {
  cluster: DemoCluster;
  /** Whose it is, for the narration. */
  origin: string;
  /** Started by the demo (and stopped by it). */
  owned: boolean;
  stop(): Promise<void>;
}

/** The running harness cluster in `dir`, or a reason it cannot be used. */
export function runningCluster(dir: string): DemoCluster | string {
  const state = readState(dir);
  if (!state) return `no cluster state in ${dir}`;
  const apiserver = state.processes.find((p) => p.name === "kube-apiserver");
  if (!apiserver || !isAlive(apiserver.pid))
    return `the cluster in ${dir} is not running (its API server is gone)`;
  const { kubeconfig, prometheusUrl, prometheusTargetsDir } = state.info;
  if (!prometheusUrl || !prometheusTargetsDir) return `the cluster in ${dir} runs without Prometheus`;
  return { kubeconfig, prometheusUrl, prometheusTargetsDir };
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(clusterDir, "build.sh")], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`building the control plane failed (exit ${code})`)),
    );
  });
}

export async function chooseCluster(options: {
  /** --cluster-dir: this running cluster, or an error. */
  explicitDir: string | undefined;
  /** Where the demo's own cluster lives. */
  ownDir: string;
  say: (text: string) => void;
}): Promise<ClusterChoice> {
  if (options.explicitDir) {
    const found = runningCluster(options.explicitDir);
    if (typeof found === "string") throw new Error(`--cluster-dir: ${found}`);
    return {
      cluster: found,
      origin: `the running cluster in ${options.explicitDir}`,
      owned: false,
      stop: async () => undefined,
    };
  }
  const missing = missingBinaries();
  if (missing.length > 0) {
    options.say(
      `building the control plane from the Go module proxy (first time only, ~7 min on 2 cores): ${missing.length} binaries missing`,
    );
    await runBuild();
  }
  // A fresh cluster each run, as `npm run cluster:up` makes one: nothing of an earlier run is reused.
  await rm(options.ownDir, { recursive: true, force: true });
  options.say(
    "starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) and Prometheus",
  );
  const own = await LocalCluster.start({ workDir: options.ownDir, log: () => undefined });
  const { kubeconfig, prometheusUrl, prometheusTargetsDir } = own.info;
  if (!prometheusUrl || !prometheusTargetsDir) {
    await own.stop();
    throw new Error("the local cluster started without Prometheus");
  }
  return {
    cluster: { kubeconfig, prometheusUrl, prometheusTargetsDir },
    origin: `its own cluster in ${options.ownDir}`,
    owned: true,
    stop: () => own.stop(),
  };
}
