// Deleting a Rollout in the middle of a canary: its finalizer first points the Services back at
// the stable pods, then the Rollout goes. A Rollout at rest carries no finalizer.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { isNotFound } from "../../../src/kube/errors.ts";
import { Rollouts, Services } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { RESTORE_SERVICES_FINALIZER } from "../../../src/rollout/finalizer.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { Service } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createServices, installRolloutCrd } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("deleting a Rollout mid-canary restores the Services to the stable pods first", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "delete");
  const client = testClient();
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });
  const template = (image: string) => ({
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image }] },
  });
  await client.create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: template("web:1"),
        strategy: {
          canary: {
            canaryService: "web-canary",
            stableService: "web-stable",
            steps: [{ setWeight: 50 }, { pause: {} }],
          },
        },
      },
    },
    "test",
  );
  const get = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const healthy = await waitFor("Healthy", async () => {
    const r = await get();
    return r.status?.phase === "Healthy" ? r : pending(`${r.status?.phase}`);
  });
  const h1 = healthy.status?.stableRS ?? "";
  assert.ok(!healthy.metadata?.finalizers?.includes(RESTORE_SERVICES_FINALIZER), "no finalizer at rest");

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: template("web:2") } },
    "test",
  );
  const canarySelector = async () =>
    (await client.get<Service>(Services, { namespace, name: "web-canary" })).spec?.selector?.[
      POD_TEMPLATE_HASH_LABEL
    ];
  const mid = await waitFor("paused mid-canary with the canary Service on the new pods", async () => {
    const r = await get();
    const sel = await canarySelector();
    return r.status?.phase === "Paused" && sel === r.status.currentPodHash
      ? r
      : pending(`${r.status?.phase} ${sel}`);
  });
  assert.ok(mid.metadata?.finalizers?.includes(RESTORE_SERVICES_FINALIZER), "finalizer on during the update");

  await client.delete(Rollouts, { namespace, name: "web" });
  await waitFor("the Rollout to be gone", async () => {
    try {
      await get();
      return pending("still there");
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  });
  assert.equal(await canarySelector(), h1, "the canary Service points at the stable pods again");
});
