// Moving to sluice never redeploys: a ReplicaSet left by another controller (here, shaped like
// one Argo Rollouts made, with its own hash) is adopted and kept as the stable one when its
// template matches; no new ReplicaSet is created and its pods stay.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("an orphaned ReplicaSet with the same template is adopted as stable, without a redeploy", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "adopt");
  const client = testClient();
  const template = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "web:1" }] },
  };
  const foreignHash = "7d9c6b5f4";
  const labels = { app: "web", [POD_TEMPLATE_HASH_LABEL]: foreignHash };
  await client.create<ReplicaSet>(
    ReplicaSets,
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `web-${foreignHash}`,
        namespace,
        labels,
        annotations: { "rollout.argoproj.io/revision": "4" },
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: { ...template, metadata: { labels } },
      },
    },
    "argo-rollouts",
  );
  await waitFor("the orphan's pods", async () => {
    const rs = await client.get<ReplicaSet>(ReplicaSets, { namespace, name: `web-${foreignHash}` });
    return rs.status?.availableReplicas === 3 ? rs : pending(`${rs.status?.availableReplicas}`);
  });
  const before = await client.get<ReplicaSet>(ReplicaSets, { namespace, name: `web-${foreignHash}` });

  await startSluice(t, [rolloutController], { namespace });
  await client.create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template,
        strategy: { canary: { steps: [{ setWeight: 50 }] } },
      },
    },
    "test",
  );
  const healthy = await waitFor("Healthy on the adopted ReplicaSet", async () => {
    const r = await client.get<Rollout>(Rollouts, { namespace, name: "web" });
    return r.status?.phase === "Healthy"
      ? r
      : pending(JSON.stringify({ phase: r.status?.phase, hash: r.status?.currentPodHash }));
  });
  assert.equal(healthy.status?.stableRS, foreignHash);
  const sets = (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items;
  assert.deepEqual(
    sets.map((rs) => rs.metadata?.name),
    [`web-${foreignHash}`],
    "no new ReplicaSet",
  );
  const adopted = sets[0];
  assert.equal(adopted?.metadata?.ownerReferences?.[0]?.kind, "Rollout");
  assert.equal(adopted?.metadata?.ownerReferences?.[0]?.uid, healthy.metadata?.uid);
  assert.equal(adopted?.spec?.replicas, 3);
  assert.equal(adopted?.metadata?.generation, before.metadata?.generation, "its spec was not touched");
});
