// Blue/green on real ReplicaSets: the preview Service follows the new pods at once, the active
// Service switches only after promotion, and the old active ReplicaSet is scaled down only after
// scaleDownDelaySeconds.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts, Services } from "../../../src/kube/resources.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../../src/rollout/bluegreen.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet, Service } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/rollout.yaml");
const template = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

test("blue/green: preview at once, active only after promotion, old active down after the delay", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "bluegreen");
  const client = testClient();
  for (const name of ["web-active", "web-preview"]) {
    await client.create<Service>(
      Services,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] } as never,
      },
      "test",
    );
  }
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
        template: template("web:1"),
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
  const get = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const waitRollout = (what: string, ok: (r: Rollout) => boolean) =>
    waitFor(what, async () => {
      const r = await get();
      return ok(r)
        ? r
        : pending(
            JSON.stringify({
              phase: r.status?.phase,
              msg: r.status?.message,
              state: r.status?.sluice?.machine?.value,
              bg: r.status?.blueGreen,
            }),
          );
    });
  const selectorOf = async (name: string) =>
    (await client.get<Service>(Services, { namespace, name })).spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
  const replicaSet = async (hash: string) =>
    (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items.find(
      (rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash,
    );

  const v1 = await waitRollout("v1 Healthy", (r) => r.status?.phase === "Healthy");
  const h1 = v1.status?.stableRS ?? "";
  assert.equal(await selectorOf("web-active"), h1);
  assert.equal(v1.status?.blueGreen?.activeSelector, h1);

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: template("web:2") } },
    "test",
  );
  const paused = await waitRollout(
    "paused with the preview up",
    (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== h1,
  );
  const h2 = paused.status?.currentPodHash ?? "";
  assert.equal(paused.status?.pauseConditions?.[0]?.reason, "BlueGreenPause");
  await waitFor("preview Service on the new pods", async () =>
    (await selectorOf("web-preview")) === h2 ? true : pending(`${await selectorOf("web-preview")}`),
  );
  assert.equal(await selectorOf("web-active"), h1, "active still on the old pods before promotion");
  assert.equal((await replicaSet(h2))?.status?.availableReplicas, 3);
  assert.equal((await replicaSet(h1))?.spec?.replicas, 3);

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { status: { pauseConditions: null } },
    "kubectl-sluice",
    { subresource: "status" },
  );
  const promoted = await waitRollout(
    "Healthy on v2",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === h2,
  );
  assert.equal(promoted.status?.blueGreen?.activeSelector, h2);
  assert.equal(await selectorOf("web-active"), h2);
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
