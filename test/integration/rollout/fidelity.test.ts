// Behaviours a user moving from Argo Rollouts relies on, each as the peer behaves (issue 9's list),
// on real ReplicaSets with kwok pods.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import { useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

/** A namespace with the controller running and Rollout "web" (3 replicas by default) at v1, Healthy. */
async function healthyRollout(
  t: Parameters<typeof useNamespace>[0],
  prefix: string,
  strategy: Parameters<typeof createRollout>[1],
  options: { replicas?: number; services?: string[] } = {},
) {
  const replicas = options.replicas ?? 3;
  await installRolloutCrd();
  const namespace = await useNamespace(t, prefix);
  // Services a Rollout names must exist before it is valid.
  if (options.services) await createServices(namespace, options.services);
  await startSluice(t, [rolloutController], { namespace });
  await createRollout(namespace, strategy, { replicas });
  const web = rolloutIn(namespace);
  const v1 = await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  return { namespace, web, h1: v1.status?.stableRS ?? "" };
}

const scalesAre = (namespace: string, want: Record<string, [number, number]>) =>
  waitFor(`scales ${JSON.stringify(want)}`, async () => {
    const scales = await scalesByHash(namespace);
    const ok = Object.entries(want).every(([hash, [spec, available]]) => {
      const [s, a] = scales[hash] ?? [0, 0];
      return s === spec && a === available;
    });
    return ok ? scales : pending(JSON.stringify(scales));
  });

for (const kind of ["canary", "blueGreen"] as const) {
  test(`${kind}: promote --full on an aborted update clears the abort and promotes fully`, async (t) => {
    const strategy =
      kind === "canary"
        ? { canary: { steps: [{ setWeight: 40 }, { pause: {} }] } }
        : { blueGreen: { activeService: "web-active", autoPromotionEnabled: false } };
    const { namespace, web, h1 } = await healthyRollout(t, `promotefull-${kind.toLowerCase()}`, strategy, {
      services: ["web-active"],
    });
    await web.patchSpec({ template: podTemplate("web:2") });
    const paused = await web.until("paused on the update", (r) => r.status?.phase === "Paused");
    const h2 = paused.status?.currentPodHash ?? "";
    assert.notEqual(h2, h1);
    await web.patchStatus({ abort: true });
    await web.until("aborted", (r) => r.status?.phase === "Degraded" && r.status.abort === true);
    await web.patchStatus({ promoteFull: true });
    const done = await web.until(
      "Healthy on v2",
      (r) => r.status?.phase === "Healthy" && r.status.stableRS === h2,
    );
    assert.equal(done.status?.abort, false, "the abort is cleared");
    assert.equal(done.status?.promoteFull, false, "the intent is cleared once acted on");
    await scalesAre(namespace, { [h2]: [3, 3] });
  });
}

test("blue/green: Healthy once promoted and available while the old active waits; the scale selects the active pods", async (t) => {
  const strategy = { blueGreen: { activeService: "web-active", scaleDownDelaySeconds: 60 } };
  const { namespace, web, h1 } = await healthyRollout(t, "bg-healthy", strategy, {
    services: ["web-active"],
  });
  await web.patchSpec({ template: podTemplate("web:2") });
  const done = await web.until(
    "Healthy on v2",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== h1 && r.status.stableRS !== undefined,
  );
  const h2 = done.status?.stableRS ?? "";
  const scales = await scalesByHash(namespace);
  assert.deepEqual(scales[h1], [3, 3], "the old active is still up (scaleDownDelaySeconds) and yet Healthy");
  assert.equal(done.status?.selector, `app=web,${POD_TEMPLATE_HASH_LABEL}=${h2}`);
  assert.equal(done.status?.HPAReplicas, 3);
  assert.equal(done.status?.availableReplicas, 3, "only the active pods count as available");
  assert.equal(done.status?.replicas, 6);
  const healthy = done.status?.conditions?.find((c) => c.type === "Completed");
  assert.equal(healthy?.status, "True");
});
