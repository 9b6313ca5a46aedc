// Everything the story needs around a cluster: the CRDs, the demo's namespace (made afresh), the
// sample exporter and sluice (both scraped by the harness's Prometheus), and the Git repository.
// stop() undoes what was started, in reverse order, and is safe to call at any point.
import { join } from "node:path";
import type { Rollout } from "../src/api/rollout.ts";
import { KubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/config.ts";
import { isNotFound } from "../src/kube/errors.ts";
import { Namespaces, Rollouts } from "../src/kube/resources.ts";
import { KubeTransport } from "../src/kube/transport.ts";
import { VERSION } from "../src/version.ts";
import { removeScrapeTarget, writeScrapeTarget } from "../test/cluster/prometheus.ts";
import { pending, waitFor } from "../test/helpers/wait.ts";
import { installDevCrds } from "../test/tools/crds.ts";
import { type RunningController, startController } from "./controller.ts";
import { type SampleExporter, startExporter } from "./exporter.ts";
import { createRepo, type SampleRepo } from "./repo.ts";

export const DEMO_FIELD_MANAGER = "sluice-demo";

/** The cluster the demo runs on: the harness's ClusterInfo fields it uses. */
export interface DemoCluster {
  kubeconfig: string;
  prometheusUrl: string;
  prometheusTargetsDir: string;
}

export interface SessionOptions {
  cluster: DemoCluster;
  namespace: string;
  /** Where the repository, sluice's log and its repo cache go. */
  workDir: string;
  /** false: the namespace exists already and is the caller's (a test's); true: made afresh here. */
  createNamespace: boolean;
  repoPoll: string;
  say: (text: string) => void;
}

export interface Session {
  client: KubeClient;
  namespace: string;
  repo: SampleRepo;
  exporter: SampleExporter;
  controller: RunningController;
  cluster: DemoCluster;
  stop(): Promise<void>;
}

/** Deletes a namespace left by an earlier run and waits until it is gone. */
async function removeNamespace(client: KubeClient, name: string, say: (text: string) => void): Promise<void> {
  try {
    await client.get(Namespaces, { name });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  say(`deleting namespace ${name} of an earlier run`);
  // No sluice runs on it now, so a Rollout's finalizer (restore routing on delete) would hold the
  // namespace in Terminating forever; the demo's namespace is the demo's own to clear.
  for (const r of (await client.list<Rollout>(Rollouts, { namespace: name })).items) {
    const ref = { namespace: name, name: r.metadata?.name ?? "" };
    await client.mergePatch(Rollouts, ref, { metadata: { finalizers: null } }, DEMO_FIELD_MANAGER);
  }
  await client.delete(Namespaces, { name }).catch((error) => {
    if (!isNotFound(error)) throw error;
  });
  await waitFor(
    `namespace ${name} of an earlier run to be deleted`,
    async () => {
      try {
        await client.get(Namespaces, { name });
        return pending("still there");
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

export async function openSession(options: SessionOptions): Promise<Session> {
  const { cluster, namespace, say } = options;
  const transport = new KubeTransport(loadKubeConfig(cluster.kubeconfig), {
    userAgent: `sluice-demo/${VERSION}`,
    requestTimeoutMs: 15_000,
  });
  const client = new KubeClient(transport);
  const undo: (() => Promise<void>)[] = [async () => transport.close()];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    say("installing the CRDs (Rollout, AnalysisTemplate, AnalysisRun, Application)");
    await installDevCrds(cluster.kubeconfig);
    if (options.createNamespace) {
      await removeNamespace(client, namespace, say);
      await client.create(
        Namespaces,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
        DEMO_FIELD_MANAGER,
      );
    }
    const exporter = await startExporter(client, namespace);
    undo.push(() => exporter.stop());
    const targets = cluster.prometheusTargetsDir;
    await writeScrapeTarget(targets, `demo-${namespace}-exporter`, exporter.instance, {
      job_role: "sample-app",
    });
    undo.push(() => removeScrapeTarget(targets, `demo-${namespace}-exporter`));
    const repo = await createRepo(join(options.workDir, "repo"));
    say(`starting sluice (log: ${join(options.workDir, "sluice.log")})`);
    const controller = await startController({
      kubeconfig: cluster.kubeconfig,
      namespace,
      logDir: options.workDir,
      repoPoll: options.repoPoll,
    });
    undo.push(() => controller.stop());
    const sluiceInstance = new URL(controller.metricsUrl).host;
    await writeScrapeTarget(targets, `demo-${namespace}-sluice`, sluiceInstance, { job_role: "sluice" });
    undo.push(() => removeScrapeTarget(targets, `demo-${namespace}-sluice`));
    return { client, namespace, repo, exporter, controller, cluster, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
