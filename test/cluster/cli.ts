// npm run cluster:up / cluster:down: a local cluster for humans, left running between commands.
// Its files live in .sluice/cluster (kubeconfig, logs, audit log). `reap` cleans up after crashed runs.
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { LocalCluster, readState, reapAbandonedClusters, stopDetachedCluster } from "./cluster.ts";

const workDir = resolve(process.env.SLUICE_CLUSTER_DIR ?? ".sluice/cluster");
const command = process.argv[2];

if (command === "up") {
  if (readState(workDir)) {
    if (process.argv.includes("--if-down")) {
      console.log(`cluster already running. export KUBECONFIG=${resolve(workDir, "kubeconfig")}`);
      process.exit(0);
    }
    console.error(`a cluster is already running in ${workDir}; run npm run cluster:down first`);
    process.exit(1);
  }
  // A fresh cluster each time: the data of a stopped one (etcd, certs) is not reused.
  await rm(workDir, { recursive: true, force: true });
  const cluster = await LocalCluster.start({ workDir, detached: true });
  console.log(`cluster up. export KUBECONFIG=${cluster.info.kubeconfig}`);
  if (cluster.info.prometheusUrl) console.log(`prometheus: ${cluster.info.prometheusUrl}`);
  console.log(`logs and audit log: ${workDir}`);
  process.exit(0);
} else if (command === "down") {
  const stopped = await stopDetachedCluster(workDir);
  console.log(stopped ? `cluster in ${workDir} stopped` : `no cluster running in ${workDir}`);
} else if (command === "reap") {
  // Kills clusters whose test driver died without tearing them down (CI runs this on exit).
  await reapAbandonedClusters((m) => console.log(m));
} else {
  console.error("usage: cli.ts up|down|reap");
  process.exit(2);
}
