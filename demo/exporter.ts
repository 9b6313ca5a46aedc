// The sample app's metrics. The demo's pods are kwok fakes: no container runs, so nothing would
// serve the app's own /metrics. This exporter stands in for it: it looks at the Ready pods of the
// Rollout and reports, per pod-template hash (one ReplicaSet, one version), the share of requests
// those pods would answer with an error — 0.5 % for a normal build, 30 % for an image whose tag
// ends in "-bad". Prometheus scrapes it like any app, and the AnalysisTemplate asks Prometheus.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Gauge, Registry } from "prom-client";
import type { KubeClient } from "../src/kube/client.ts";
import { Pods } from "../src/kube/resources.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../src/rollout/hash.ts";
import type { ReplicaSet } from "../src/rollout/world.ts";
import { APP, ERROR_RATIO_METRIC } from "./manifests.ts";

export const GOOD_ERROR_RATIO = 0.005;
export const BAD_ERROR_RATIO = 0.3;

export interface PodLike extends KubeObject {
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface VersionErrors {
  hash: string;
  version: string;
  readyPods: number;
  errorRatio: number;
}

/** The tag of an image reference ("registry.example/web:v2" → "v2"; no tag → "latest"). */
export function tagOf(image: string): string {
  const name = image.split("@")[0] ?? image;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : "latest";
}

/** The image of the app's container in a ReplicaSet's pod template. */
export function replicaSetImage(rs: ReplicaSet): string | undefined {
  const containers = rs.spec?.template?.spec?.containers as { name?: string; image?: string }[] | undefined;
  return containers?.find((c) => c.name === APP)?.image;
}

/** What a pod of this image would fail: the simulated bug is in builds tagged "*-bad". */
export function simulatedErrorRatio(image: string): number {
  return tagOf(image).endsWith("-bad") ? BAD_ERROR_RATIO : GOOD_ERROR_RATIO;
}

const isReady = (pod: PodLike) =>
  pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true &&
  pod.metadata?.deletionTimestamp === undefined;

/** Groups the Ready pods by pod-template hash; pods without one (not the Rollout's) are left out. */
export function errorsByVersion(pods: PodLike[]): VersionErrors[] {
  const byHash = new Map<string, VersionErrors>();
  for (const pod of pods.filter(isReady)) {
    const hash = pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    const image = pod.spec?.containers?.find((c) => c.name === APP)?.image;
    if (!hash || !image) continue;
    const seen = byHash.get(hash);
    if (seen) seen.readyPods += 1;
    else
      byHash.set(hash, { hash, version: tagOf(image), readyPods: 1, errorRatio: simulatedErrorRatio(image) });
  }
  return [...byHash.values()].sort((a, b) => a.hash.localeCompare(b.hash));
}

export interface SampleExporter {
  /** host:port Prometheus scrapes. */
  instance: string;
  url: string;
  stop(): Promise<void>;
}

/** Serves the error ratios of the pods in `namespace`, read every `everyMs` (each read has the client's deadline). */
export async function startExporter(
  client: KubeClient,
  namespace: string,
  everyMs = 500,
): Promise<SampleExporter> {
  const registry = new Registry();
  const gauge = new Gauge({
    name: ERROR_RATIO_METRIC,
    help: "Share of requests answered with an error, per version of the sample app (simulated: pods are kwok fakes)",
    labelNames: ["namespace", "pod_template_hash", "version"],
    registers: [registry],
  });
  let latest: VersionErrors[] = [];
  let running = true;
  const poll = async () => {
    while (running) {
      try {
        const pods = await client.list<PodLike>(Pods, { namespace, labelSelector: `app=${APP}` });
        latest = errorsByVersion(pods.items);
      } catch {
        // Keep the last picture: an API hiccup must not look like a version without errors.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const polling = poll();
  const server: Server = createServer(async (_req, res) => {
    gauge.reset();
    for (const v of latest)
      gauge.set({ namespace, pod_template_hash: v.hash, version: v.version }, v.errorRatio);
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    instance,
    url: `http://${instance}/metrics`,
    stop: async () => {
      running = false;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await Promise.all([closed, polling]);
    },
  };
}
