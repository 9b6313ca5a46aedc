// Cluster access for integration tests: the shared cluster from the environment, a namespace per
// test, server-side apply of plain objects.
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.ts";
import { KubeTransport } from "../../src/kube/transport.ts";
import { ENV, requireEnv } from "./env.ts";

export const TEST_FIELD_MANAGER = "sluice-test";

let shared: KubeConfig | undefined;
let sharedClient: KubeClient | undefined;

/** The kubeconfig of the cluster the driver started (or SLUICE_TEST_KUBECONFIG). */
export function testKubeConfig(): KubeConfig {
  if (!shared) {
    const kc = new KubeConfig();
    kc.loadFromFile(requireEnv(ENV.kubeconfig));
    shared = kc;
  }
  return shared;
}

/**
 * sluice's own client on the test cluster. It sends objects as they are; client-node's generic
 * object API re-serialises known kinds through its models and silently drops fields it does not
 * model (it lost x-kubernetes-int-or-string from a CRD schema), so CRDs go through this one.
 */
export function testClient(): KubeClient {
  sharedClient ??= new KubeClient(new KubeTransport(testKubeConfig(), { userAgent: "sluice-test-helper" }));
  return sharedClient;
}

/**
 * Creates a namespace for one test, deleted when the test ends. Names are random so tests can run
 * in parallel and against a reused cluster.
 */
export async function useNamespace(t: TestContext, prefix = "t"): Promise<string> {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name, labels: { "sluice.dev/test": "true" } } } });
  t.after(async () => {
    if (process.env.SLUICE_KEEP_NAMESPACES === "1") return;
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** Server-side applies objects in order (namespaced ones into `namespace` when they name none). */
export async function apply<T extends KubernetesObject>(
  objects: T[],
  namespace?: string,
  fieldManager = TEST_FIELD_MANAGER,
): Promise<T[]> {
  const api = KubernetesObjectApi.makeApiClient(testKubeConfig());
  const applied: T[] = [];
  for (const object of objects) {
    const body = structuredClone(object);
    if (namespace && !body.metadata?.namespace) body.metadata = { ...body.metadata, namespace };
    applied.push(
      (await api.patch(body, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply)) as T,
    );
  }
  return applied;
}
