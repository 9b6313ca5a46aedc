// The Rollouts the rollout benches create: `web-<i>` with 1 replica, canary with the steps a bench
// gives, and when routed, nginx traffic routing through its own Services and stable Ingress.
import type { Rollout } from "../../src/api/rollout.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Ingresses, type ResourceType, Services } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";

export const BENCH_MANAGER = "sluice-bench";
const CONCURRENCY = 16;

export function benchRollout(namespace: string, i: number, steps: unknown[], routed: boolean): Rollout {
  const name = `web-${i}`;
  const traffic = routed
    ? {
        canaryService: `${name}-canary`,
        stableService: `${name}-stable`,
        trafficRouting: { nginx: { stableIngress: name } },
      }
    : {};
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
      strategy: { canary: { ...traffic, steps } },
    },
  } as Rollout;
}

/** The Services and the stable Ingress a routed Rollout names. */
export function routingObjects(namespace: string, i: number): [ResourceType, KubeObject][] {
  const name = `web-${i}`;
  const service = (suffix: string): KubeObject =>
    ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${name}-${suffix}`, namespace },
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    }) as KubeObject;
  const backend = { service: { name: `${name}-stable`, port: { number: 80 } } };
  const ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace },
    spec: {
      ingressClassName: "nginx",
      rules: [{ host: `${name}.example.com`, http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
    },
  } as KubeObject;
  return [
    [Services, service("stable")],
    [Services, service("canary")],
    [Ingresses, ingress],
  ];
}

/** Runs `work(i)` for i in 0..n-1, 16 at a time. */
export async function forEachIndex(n: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Creates the routing objects of the routed Rollouts among 0..n-1. */
export async function createRouting(
  client: KubeClient,
  namespace: string,
  n: number,
  routed: (i: number) => boolean,
) {
  await forEachIndex(n, async (i) => {
    if (!routed(i)) return;
    for (const [type, object] of routingObjects(namespace, i))
      await client.create(type, object, BENCH_MANAGER);
  });
}
