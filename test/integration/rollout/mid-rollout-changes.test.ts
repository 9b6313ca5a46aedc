// Changes in the middle of a canary: a new image starts the steps over from the new template
// (the superseded canary is scaled away), and a scale through the scale subresource (what an HPA
// does) is honoured by the split.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/rollout.yaml");

const template = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

test("a new image mid-canary starts over; an HPA-style scale is honoured mid-rollout", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "midway");
  const client = testClient();
  await startSluice(t, [rolloutController], { namespace });
  const body: Rollout = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      template: template("web:1"),
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
  };
  await client.create(Rollouts, body, "test");
  const get = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const waitRollout = (what: string, ok: (r: Rollout) => boolean) =>
    waitFor(what, async () => {
      const r = await get();
      return ok(r)
        ? r
        : pending(
            JSON.stringify({
              phase: r.status?.phase,
              step: r.status?.currentStepIndex,
              hash: r.status?.currentPodHash,
            }),
          );
    });
  const scales = async () =>
    Object.fromEntries(
      (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items.map((rs) => [
        rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL],
        [rs.spec?.replicas ?? 0, rs.status?.availableReplicas ?? 0],
      ]),
    ) as Record<string, [number, number]>;
  const h1 = (await waitRollout("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: template("web:2") } },
    "test",
  );
  const p2 = await waitRollout(
    "v2 paused at 50%",
    (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== h1,
  );
  const h2 = p2.status?.currentPodHash ?? "";
  assert.deepEqual([(await scales())[h2]?.[0], (await scales())[h1]?.[0]], [2, 2]);

  // A third image while v2 is paused at step 1: steps restart for v3; v2's canary goes away.
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: template("web:3") } },
    "test",
  );
  const p3 = await waitRollout(
    "v3 paused at 50%",
    (r) => r.status?.phase === "Paused" && ![h1, h2].includes(r.status.currentPodHash ?? ""),
  );
  const h3 = p3.status?.currentPodHash ?? "";
  assert.equal(p3.status?.stableRS, h1, "the stable is still v1");
  await waitFor("v3 at 2, v2 drained, v1 at 2", async () => {
    const s = await scales();
    return s[h3]?.[0] === 2 && s[h2]?.[0] === 0 && s[h1]?.[0] === 2 ? true : pending(JSON.stringify(s));
  });

  // Scale to 8 through the scale subresource, as an HPA would: the 50% split follows.
  await client.mergePatch(Rollouts, { namespace, name: "web" }, { spec: { replicas: 8 } }, "hpa-controller", {
    subresource: "scale",
  });
  await waitFor("v3 at 4 and v1 at 4 of 8", async () => {
    const s = await scales();
    return s[h3]?.[0] === 4 && s[h1]?.[0] === 4 && s[h3]?.[1] === 4 ? true : pending(JSON.stringify(s));
  });
  const scaled = await waitRollout("status follows the scale", (r) => r.status?.HPAReplicas === 8);
  assert.equal(scaled.status?.phase, "Paused");
});
