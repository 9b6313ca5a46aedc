// The Helm chart as the integration tests use it: rendered with the harness's helm, its identity
// (ServiceAccount, Roles, bindings) installed for real with a TokenRequest token for the
// ServiceAccount, and the controller started the way the chart's Deployment starts it — the
// rendered container's args and env (fieldRefs resolved as the kubelet would), as a process of its
// own, logging JSON to a file. In a pod the token is mounted and the API server found in-cluster;
// here `--kubeconfig` carrying that token is the one argument added.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import type { ResourceType } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { binaryPaths } from "../cluster/binaries.ts";
import { testClient, testKubeConfig } from "./kube.ts";

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), "../../..");
export const chartDir = join(root, "charts/sluice");

export interface ChartObject extends KubeObject {
  kind: string;
  metadata: NonNullable<KubeObject["metadata"]> & { name: string };
  rules?: Rule[];
}

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

/** `helm template <release> charts/sluice --namespace <namespace> --set <each of set>`. */
export async function renderRelease(
  release: string,
  namespace: string,
  set: string[] = [],
): Promise<ChartObject[]> {
  const home = join(root, ".sluice", "helm");
  const { stdout } = await run(
    binaryPaths().helm,
    ["template", release, chartDir, "--namespace", namespace, ...set.flatMap((s) => ["--set", s])],
    {
      env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as ChartObject | null)
    .filter((d): d is ChartObject => d !== null);
}

const rbacType = (kind: string, plural: string, group: string, namespaced: boolean): ResourceType => ({
  group,
  version: "v1",
  plural,
  kind,
  namespaced,
});

const IDENTITY_KINDS: Record<string, ResourceType> = {
  ServiceAccount: rbacType("ServiceAccount", "serviceaccounts", "", true),
  Role: rbacType("Role", "roles", "rbac.authorization.k8s.io", true),
  RoleBinding: rbacType("RoleBinding", "rolebindings", "rbac.authorization.k8s.io", true),
  ClusterRole: rbacType("ClusterRole", "clusterroles", "rbac.authorization.k8s.io", false),
  ClusterRoleBinding: rbacType(
    "ClusterRoleBinding",
    "clusterrolebindings",
    "rbac.authorization.k8s.io",
    false,
  ),
};

/**
 * Creates the chart's ServiceAccount, Roles, ClusterRoles and bindings (cluster-scoped ones are
 * deleted when the test ends) and writes a kubeconfig with a token of that ServiceAccount.
 */
export async function installChartIdentity(
  t: TestContext,
  docs: ChartObject[],
  release: string,
  namespace: string,
): Promise<string> {
  const client = testClient();
  for (const object of docs) {
    const type = IDENTITY_KINDS[object.kind];
    if (!type) continue;
    // Namespaced objects without a namespace go to the release's, as `helm install -n` puts them.
    const metadata = type.namespaced ? { namespace, ...object.metadata } : object.metadata;
    await client.create(type, { ...object, metadata }, "test");
    if (!type.namespaced) t.after(() => client.delete(type, { name: object.metadata.name }).catch(() => {}));
  }
  const token = await testKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({
      name: release,
      namespace,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [] } },
    });
  const cluster = testKubeConfig().getCurrentCluster();
  const caData =
    cluster?.caData ?? (cluster?.caFile ? (await readFile(cluster.caFile)).toString("base64") : "");
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: cluster?.server, "certificate-authority-data": caData } }],
    users: [{ name: release, user: { token: token.status?.token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: release } }],
    "current-context": "c",
  };
  const file = join(await mkdtemp(join(tmpdir(), "sluice-chart-identity-")), "kubeconfig");
  await writeFile(file, JSON.stringify(kubeconfig));
  return file;
}

/** The rendered Deployment's controller container. */
export function chartContainer(docs: ChartObject[]): Container {
  const deployment = docs.find((d) => d.kind === "Deployment") as
    | (ChartObject & { spec: { template: { spec: { containers: Container[] } } } })
    | undefined;
  const container = deployment?.spec.template.spec.containers[0];
  if (!container) throw new Error("the chart rendered no Deployment with a container");
  return container;
}

/** The container's env as the kubelet would set it for pod `pod` in `namespace`. */
function podEnv(container: Container, pod: string, namespace: string): Record<string, string> {
  const fields: Record<string, string> = { "metadata.name": pod, "metadata.namespace": namespace };
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of container.env ?? []) {
    const field = valueFrom?.fieldRef?.fieldPath;
    const resolved = field === undefined ? value : fields[field];
    if (resolved === undefined) throw new Error(`env ${name}: cannot resolve ${JSON.stringify(valueFrom)}`);
    env[name] = resolved;
  }
  return env;
}

export interface ChartProcess {
  logFile: string;
  /** Every log line so far. */
  log(): Promise<string[]>;
  /**
   * SIGTERM, as the kubelet sends it, and the exit: its code (null when killed) and how long it
   * took. Past the chart's terminationGracePeriodSeconds default (30 s) it is SIGKILLed.
   */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/**
 * Runs src/main.ts with the chart container's args and env (plus PATH, a HOME of its own and
 * --kubeconfig), stopped as above when the test ends if the test did not stop it.
 */
export async function startAsDeployment(
  t: TestContext,
  docs: ChartObject[],
  options: { kubeconfig: string; namespace: string },
): Promise<ChartProcess> {
  const container = chartContainer(docs);
  const dir = await mkdtemp(join(tmpdir(), "sluice-chart-pod-"));
  const logFile = join(dir, "sluice.log");
  const out = createWriteStream(logFile);
  await once(out, "open");
  const env = {
    ...podEnv(container, `${docs.find((d) => d.kind === "Deployment")?.metadata.name}-0`, options.namespace),
    PATH: process.env.PATH ?? "",
    HOME: dir,
  };
  const args = [...(container.args ?? []), `--kubeconfig=${options.kubeconfig}`];
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "src/main.ts"), ...args],
    {
      cwd: root,
      env,
      stdio: ["ignore", out, out],
    },
  );
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let stopping: Promise<{ code: number | null; ms: number }> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const [code] = await exited;
      clearTimeout(timer);
      out.close();
      return { code, ms: Date.now() - started };
    })();
    return stopping;
  };
  t.after(stop);
  t.diagnostic(`sluice log: ${logFile}`);
  return { logFile, log: async () => (await readFile(logFile, "utf8")).split("\n").filter(Boolean), stop };
}
