// How the driver hands the cluster to test processes: environment variables only, so a test can
// equally run against a cluster someone started by hand (SLUICE_TEST_KUBECONFIG=...).
import { type ClusterInfo, readState } from "../cluster/cluster.ts";

export const ENV = {
  kubeconfig: "SLUICE_TEST_KUBECONFIG",
  auditLog: "SLUICE_TEST_AUDIT_LOG",
  prometheusUrl: "SLUICE_TEST_PROMETHEUS_URL",
  prometheusTargets: "SLUICE_TEST_PROMETHEUS_TARGETS",
  clusterDir: "SLUICE_TEST_CLUSTER_DIR",
} as const;

export function clusterEnv(info: ClusterInfo): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.kubeconfig]: info.kubeconfig,
    [ENV.auditLog]: info.auditLog,
    [ENV.clusterDir]: info.workDir,
  };
  if (info.prometheusUrl) env[ENV.prometheusUrl] = info.prometheusUrl;
  if (info.prometheusTargetsDir) env[ENV.prometheusTargets] = info.prometheusTargetsDir;
  return env;
}

/**
 * Reads a harness variable. With only SLUICE_TEST_CLUSTER_DIR set (e.g. the .sluice/cluster of
 * `npm run cluster:up`), the rest is read from that cluster's state file.
 */
export function requireEnv(name: string): string {
  const dir = process.env[ENV.clusterDir];
  if (!process.env[name] && dir) {
    const state = readState(dir);
    if (state) Object.assign(process.env, clusterEnv(state.info));
  }
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run integration tests through \`npm test\` (it starts the cluster)`);
  }
  return value;
}
