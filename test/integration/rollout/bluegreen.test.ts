// Blue/green on real ReplicaSets: the preview Service follows the new pods at once, the active
// Service switches only after promotion, and the old active ReplicaSet is scaled down only after
// scaleDownDelaySeconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../../src/rollout/bluegreen.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
  selectorHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("blue/green: preview at once, active only after promotion, old active down after the delay", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "bluegreen");
  const client = testClient();
  await createServices(namespace, ["web-active", "web-preview"]);
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
        template: podTemplate("web:1"),
        strategy: {
          blueGreen: {
            activeService: "web-active",
            previewService: "web-preview",
            autoPromotionEnabled: false,
            scaleDownDelaySeconds: 3,
          },
        },
      },
    },
    "test",
  );
  const web = rolloutIn(namespace);
  const replicaSet = async (hash: string) =>
    (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items.find(
      (rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash,
    );

  const v1 = await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  const h1 = v1.status?.stableRS ?? "";
  assert.equal(await selectorHash(namespace, "web-active"), h1);
  assert.equal(v1.status?.blueGreen?.activeSelector, h1);

  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "paused with the preview up",
    (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== h1,
  );
  const h2 = paused.status?.currentPodHash ?? "";
  assert.equal(paused.status?.pauseConditions?.[0]?.reason, "BlueGreenPause");
  await waitFor("preview Service on the new pods", async () => {
    const hash = await selectorHash(namespace, "web-preview");
    return hash === h2 ? true : pending(`${hash}`);
  });
  assert.equal(
    await selectorHash(namespace, "web-active"),
    h1,
    "active still on the old pods before promotion",
  );
  const scales = await scalesByHash(namespace);
  assert.deepEqual([scales[h2], scales[h1]?.[0]], [[3, 3], 3]);

  await web.patchStatus({ pauseConditions: null });
  const promoted = await web.until(
    "Healthy on v2",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === h2,
  );
  assert.equal(promoted.status?.blueGreen?.activeSelector, h2);
  assert.equal(await selectorHash(namespace, "web-active"), h2);
  const old = await waitFor("old active marked for scale-down", async () => {
    const rs = await replicaSet(h1);
    return rs?.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] ? rs : pending("no deadline yet");
  });
  const deadline = Date.parse(old.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] ?? "");
  if (Date.now() < deadline - 500)
    assert.equal(old.spec?.replicas, 3, "kept up during scaleDownDelaySeconds");
  await waitFor(
    "old active scaled down after the delay",
    async () => ((await replicaSet(h1))?.spec?.replicas === 0 ? true : pending("still up")),
    { timeoutMs: 15_000 },
  );
  assert.ok(Date.now() >= deadline, "not before its deadline");
});
