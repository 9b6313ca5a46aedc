// Carries out a fault schedule: each lane (controller, control plane, Prometheus, Git) runs its faults
// in order at their scheduled times, the lanes side by side. Every outage is recorded as a window
// from the moment the component went down to the moment it served again; the invariants are
// judged against these recorded windows, not against the schedule.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LocalCluster } from "../cluster/cluster.ts";
import { waitForHealthy } from "../cluster/health.ts";
import { clockReaches } from "../helpers/wait.ts";
import type { ChaosController } from "./controller.ts";
import type { GitRepos } from "./git.ts";
import type { ChaosPrometheus } from "./prometheus.ts";
import { ChaosReplicas } from "./replicas.ts";
import type { Fault, FaultKind } from "./schedule.ts";
import type { Window } from "./windows.ts";

export interface Targets {
  cluster: LocalCluster;
  /** The one controller, or in an HA run the two replicas. */
  controller: ChaosController | ChaosReplicas;
  prometheus: ChaosPrometheus;
  git: GitRepos;
  log: (message: string) => void;
}

/** SIGTERM, then SIGKILL after this: a crash more than a drain (the API server takes ~10 s to drain). */
const STOP_GRACE_MS = 1_000;

const LANES: FaultKind[][] = [
  ["kill-controller"],
  ["restart-apiserver", "restart-etcd"],
  ["stop-prometheus"],
  ["break-git"],
];

/** Runs `faults` from `openedAt` (epoch ms); resolves with the outage windows once all are over. */
export async function runFaults(
  faults: readonly Fault[],
  openedAt: number,
  targets: Targets,
): Promise<Window[]> {
  const windows: Window[] = [];
  const lane = async (kinds: FaultKind[]) => {
    for (const fault of faults.filter((f) => kinds.includes(f.kind))) {
      // The schedule's own time: waiting for it is the point.
      await clockReaches(openedAt + fault.atMs);
      windows.push(await inject(fault, targets));
    }
  };
  await Promise.all(LANES.map(lane));
  return windows.sort((a, b) => a.startMs - b.startMs);
}

async function inject(fault: Fault, t: Targets): Promise<Window> {
  let restartMs = 0;
  const down = (component: Window["component"], startMs: number): Window => {
    const window = { component, startMs, restartMs, endMs: Date.now() };
    t.log(
      `${component} back after ${window.endMs - startMs} ms (${fault.kind}, planned ${fault.downMs} ms down)`,
    );
    return window;
  };
  const startMs = Date.now();
  // The planned downtime, then the moment the component is started again.
  const pause = async () => {
    await clockReaches(startMs + fault.downMs);
    restartMs = Date.now();
  };
  switch (fault.kind) {
    case "kill-controller": {
      if (t.controller instanceof ChaosReplicas) {
        const window = await t.controller.killFault(fault, t.log);
        const lasted = window.endMs - window.startMs;
        t.log(`${window.component} back after ${lasted} ms (${fault.kind}, planned ${fault.downMs} ms down)`);
        return window;
      }
      const victim = t.controller.identity;
      await t.controller.kill();
      t.log(`kill -9 ${victim}`);
      await pause();
      await t.controller.start();
      return down("controller", startMs);
    }
    case "restart-apiserver":
      await t.cluster.component("kube-apiserver").stop(STOP_GRACE_MS);
      t.log("kube-apiserver stopped");
      await pause();
      await t.cluster.startComponent("kube-apiserver");
      return down("kube-apiserver", startMs);
    case "restart-etcd":
      await t.cluster.component("etcd").stop(STOP_GRACE_MS);
      t.log("etcd stopped");
      await pause();
      await t.cluster.startComponent("etcd");
      // etcd answering is not the API answering: the window ends when the API server is ready.
      await waitApiReady(t.cluster);
      return down("etcd", startMs);
    case "stop-prometheus":
      await t.prometheus.stopPrometheus();
      t.log("prometheus stopped");
      await pause();
      await t.prometheus.startPrometheus();
      return down("prometheus", startMs);
    case "break-git": {
      const how = fault.gitOutage ?? "refused";
      await t.git.breakAll(how);
      t.log(how === "hang" ? "git server hung (accepts, never answers)" : "git server stopped (refuses)");
      await pause();
      await t.git.restoreAll();
      return down("git", startMs);
    }
  }
}

async function waitApiReady(cluster: LocalCluster): Promise<void> {
  const pki = join(cluster.info.workDir, "pki");
  const tls = {
    ca: await readFile(join(pki, "ca.crt")),
    cert: await readFile(join(pki, "admin.crt")),
    key: await readFile(join(pki, "admin.key")),
  };
  await waitForHealthy(cluster.component("kube-apiserver"), `${cluster.info.server}/readyz`, tls, 60_000);
}
