// Proof that the harness is a working cluster: a Deployment gets Ready pods from kwok, and
// scaling it up and down is observed in its pods.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import { apply, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

function deployment(name: string, replicas: number): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
      },
    },
  };
}

async function readyPods(namespace: string, app: string): Promise<string[]> {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
    .map((p) => p.metadata?.name ?? "");
}

async function waitForReadyPods(namespace: string, app: string, want: number): Promise<void> {
  const apps = testKubeConfig().makeApiClient(AppsV1Api);
  await waitFor(
    `${want} Ready pods of deployment ${app}, and no others`,
    async () => {
      const core = testKubeConfig().makeApiClient(CoreV1Api);
      const all = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
      const ready = await readyPods(namespace, app);
      const d = await apps.readNamespacedDeployment({ name: app, namespace });
      const seen = `${ready.length} ready of ${all.items.length} pods, deployment readyReplicas=${d.status?.readyReplicas}`;
      return ready.length === want && all.items.length === want && d.status?.readyReplicas === want
        ? ready
        : pending(seen);
    },
    { timeoutMs: 60_000 },
  );
}

test("a Deployment gets Ready pods and follows scale up and down", async (t) => {
  const namespace = await useNamespace(t, "deploy");
  await apply([deployment("web", 3)], namespace);
  await waitForReadyPods(namespace, "web", 3);

  const apps = testKubeConfig().makeApiClient(AppsV1Api);
  const scaleTo = (replicas: number) =>
    apps.patchNamespacedDeploymentScale(
      { name: "web", namespace, body: { spec: { replicas } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );

  await scaleTo(5);
  await waitForReadyPods(namespace, "web", 5);

  await scaleTo(1);
  await waitForReadyPods(namespace, "web", 1);
  const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace });
  assert.equal(scale.status?.replicas, 1);
});
