// Changes in the middle of a canary: a new image starts the steps over from the new template
// (the superseded canary is scaled away), and a scale through the scale subresource (what an HPA
// does) is honoured by the split.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd, podTemplate, rolloutIn, scalesByHash } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("a new image mid-canary starts over; an HPA-style scale is honoured mid-rollout", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "midway");
  const client = testClient();
  await startSluice(t, [rolloutController], { namespace });
  await client.create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: "web" } },
        template: podTemplate("web:1"),
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      },
    },
    "test",
  );
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";

  await web.patchSpec({ template: podTemplate("web:2") });
  const p2 = await web.until(
    "v2 paused at 50%",
    (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== h1,
  );
  const h2 = p2.status?.currentPodHash ?? "";
  const at2 = await scalesByHash(namespace);
  assert.deepEqual([at2[h2]?.[0], at2[h1]?.[0]], [2, 2]);

  // A third image while v2 is paused at step 1: steps restart for v3; v2's canary goes away.
  await web.patchSpec({ template: podTemplate("web:3") });
  const p3 = await web.until(
    "v3 paused at 50%",
    (r) => r.status?.phase === "Paused" && ![h1, h2].includes(r.status.currentPodHash ?? ""),
  );
  const h3 = p3.status?.currentPodHash ?? "";
  assert.equal(p3.status?.stableRS, h1, "the stable is still v1");
  await waitFor("v3 at 2, v2 drained, v1 at 2", async () => {
    const s = await scalesByHash(namespace);
    return s[h3]?.[0] === 2 && s[h2]?.[0] === 0 && s[h1]?.[0] === 2 ? true : pending(JSON.stringify(s));
  });

  // Scale to 8 through the scale subresource, as an HPA would: the 50% split follows.
  await client.mergePatch(Rollouts, { namespace, name: "web" }, { spec: { replicas: 8 } }, "hpa-controller", {
    subresource: "scale",
  });
  await waitFor("v3 at 4 and v1 at 4 of 8", async () => {
    const s = await scalesByHash(namespace);
    return s[h3]?.[0] === 4 && s[h1]?.[0] === 4 && s[h3]?.[1] === 4 ? true : pending(JSON.stringify(s));
  });
  const scaled = await web.until("status follows the scale", (r) => r.status?.HPAReplicas === 8);
  assert.equal(scaled.status?.phase, "Paused");
});
