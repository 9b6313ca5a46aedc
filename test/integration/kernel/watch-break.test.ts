// The kernel converges many objects and misses no update across a broken watch: the API server is
// stopped and restarted mid-test (this test's own cluster, so no other test is disrupted), and
// objects are changed while the informer is still reconnecting.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { LocalCluster } from "../../cluster/cluster.ts";
import { configMapToy, TOY_LABEL } from "../../fixtures/toy-controllers.ts";
import { metricValue, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const COUNT = 200;

test("converges 200 ConfigMaps and misses no update across an API server restart", async (t) => {
  const cluster = await LocalCluster.start({ minimal: true, prometheus: false });
  t.after(() => cluster.stop());
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.info.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = "toys";
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const sluice = await startSluice(t, [configMapToy], { kubeconfig: cluster.info.kubeconfig, namespace });

  const names = Array.from({ length: COUNT }, (_, i) => `cm-${String(i).padStart(3, "0")}`);
  for (const name of names) {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name, labels: { [TOY_LABEL]: "true" } }, data: { input: `${name}-a` } },
    });
  }
  const converged = (suffix: string) => async () => {
    const list = await core.listNamespacedConfigMap({ namespace, labelSelector: TOY_LABEL });
    const wrong = list.items.filter(
      (cm: V1ConfigMap) => cm.data?.output !== `${cm.metadata?.name}-${suffix}`.toUpperCase(),
    );
    return list.items.length === COUNT && wrong.length === 0
      ? true
      : pending(`${wrong.length} of ${list.items.length} not converged`);
  };
  await waitFor(`all ${COUNT} ConfigMaps converged`, converged("a"), { timeoutMs: 60_000, intervalMs: 250 });

  await cluster.restartComponent("kube-apiserver");
  // Change every object at once, while the informer may still be backing off from the broken watch.
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  await Promise.all(
    names.map((name) =>
      core.patchNamespacedConfigMap({ name, namespace, body: { data: { input: `${name}-b` } } }, merge),
    ),
  );
  await waitFor(`all ${COUNT} ConfigMaps converged after the restart`, converged("b"), {
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  const restarts = await metricValue(
    sluice.metricsPort,
    'sluice_informer_watch_restarts_total{resource="toys/configmaps",reason="error"}',
  );
  assert.ok(restarts >= 1, `the watch broke and was resumed (${restarts} error restarts)`);
});
