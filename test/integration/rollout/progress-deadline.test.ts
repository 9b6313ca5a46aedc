// A canary whose pods never become ready (kwok never-ready stage) makes no progress: after
// progressDeadlineSeconds it is Degraded (ProgressDeadlineExceeded), and with
// progressDeadlineAbort it also aborts back to the stable ReplicaSet.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createServices, installRolloutCrd, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

function rollout(name: string, abort: boolean, labels: Record<string, string> = {}): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      replicas: 3,
      progressDeadlineSeconds: 3,
      progressDeadlineAbort: abort,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...labels } },
        spec: { containers: [{ name: "web", image: "web:1" }] },
      },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
  };
}

for (const abort of [true, false]) {
  test(`never-ready canary pods hit the progress deadline${abort ? " and abort" : ""}`, async (t) => {
    await installRolloutCrd();
    const namespace = await useNamespace(t, "deadline");
    const client = testClient();
    await startSluice(t, [rolloutController], { namespace });
    const name = "web";
    const get = () => client.get<Rollout>(Rollouts, { namespace, name });
    await client.create(Rollouts, { ...rollout(name, abort), metadata: { name, namespace } }, "test");
    const v1 = await waitFor("first deploy Healthy", async () => {
      const r = await get();
      return r.status?.phase === "Healthy" ? r : pending(`${r.status?.phase}`);
    });
    const h1 = v1.status?.stableRS ?? "";
    const broken = rollout(name, abort, { "kwok.sluice.dev/never-ready": "true" });
    await client.mergePatch(
      Rollouts,
      { namespace, name },
      { spec: { template: broken.spec?.template } },
      "test",
    );

    const degraded = await waitFor(
      "Degraded after the progress deadline",
      async () => {
        const r = await get();
        return r.status?.phase === "Degraded"
          ? r
          : pending(JSON.stringify({ phase: r.status?.phase, message: r.status?.message }));
      },
      { timeoutMs: 20_000 },
    );
    const h2 = degraded.status?.currentPodHash ?? "";
    assert.notEqual(h2, h1);
    const scales = async () =>
      Object.fromEntries(
        (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items.map((rs) => [
          rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL],
          [rs.spec?.replicas ?? 0, rs.status?.availableReplicas ?? 0],
        ]),
      ) as Record<string, [number, number]>;
    if (abort) {
      assert.match(degraded.status?.message ?? "", /RolloutAborted/);
      assert.equal(degraded.status?.abort, true);
      await waitFor("canary scaled away, stable whole", async () => {
        const s = await scales();
        return s[h2]?.[0] === 0 && s[h1]?.[1] === 3 ? true : pending(JSON.stringify(s));
      });
    } else {
      assert.match(
        degraded.status?.message ?? "",
        /ProgressDeadlineExceeded: ReplicaSet ".*" has timed out progressing/,
      );
      assert.equal(degraded.status?.abort ?? false, false, "no abort without progressDeadlineAbort");
      const s = await scales();
      assert.ok((s[h2]?.[0] ?? 0) > 0, `the canary stays as it was: ${JSON.stringify(s)}`);
      assert.equal(s[h1]?.[1], 3, "the stable pods keep serving");
    }
  });
}

test("a blue/green preview that never gets ready is Degraded at the deadline, without another event", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "deadline-bg");
  const client = testClient();
  await startSluice(t, [rolloutController], { namespace });
  const name = "web";
  await createServices(namespace, ["web-active"], { app: name });
  const blueGreen = (labels: Record<string, string> = {}): Rollout => {
    const base = rollout(name, false, labels);
    const strategy = { blueGreen: { activeService: "web-active", autoPromotionEnabled: false } };
    return { ...base, metadata: { name, namespace }, spec: { ...base.spec, strategy } };
  };
  await client.create(Rollouts, blueGreen(), "test");
  const web = rolloutIn(namespace, name);
  await web.until("first deploy Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: blueGreen({ "kwok.sluice.dev/never-ready": "true" }).spec?.template });
  // The preview's pods settle as never ready within a second or two; after that nothing changes
  // in the cluster, so only the controller's own wake-up at the deadline can mark it Degraded.
  const degraded = await web.until(
    "Degraded after the progress deadline",
    (r) => r.status?.phase === "Degraded",
    20_000,
  );
  assert.match(
    degraded.status?.message ?? "",
    /ProgressDeadlineExceeded: ReplicaSet ".*" has timed out progressing/,
  );
});
