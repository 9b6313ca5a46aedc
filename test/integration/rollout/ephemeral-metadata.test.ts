// Ephemeral metadata on real pods: a canary pod carries the canary labels during the update and the
// stable labels after promotion, patched in place (same pod UID, never recreated); keys a user put
// on the pod stay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Pods } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const podsOf = async (namespace: string, hash: string) =>
  (
    await testClient().list<KubeObject>(Pods, {
      namespace,
      labelSelector: `rollouts-pod-template-hash=${hash}`,
    })
  ).items;

test("a canary pod carries the canary labels, then the stable ones after promotion, in place", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "ephemeral");
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });
  const web = rolloutIn(namespace);
  await createRollout(
    namespace,
    {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        canaryMetadata: { labels: { role: "canary" }, annotations: { "example.com/track": "canary" } },
        stableMetadata: { labels: { role: "stable" } },
        steps: [{ setWeight: 50 }, { pause: {} }],
      },
    },
    { replicas: 2 },
  );
  const v1 = await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  for (const pod of await podsOf(namespace, v1.status?.stableRS ?? ""))
    assert.equal(pod.metadata?.labels?.role, "stable", "first deploy: stable role");

  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until("paused at 50%", (r) => (r.status?.pauseConditions?.length ?? 0) > 0);
  const canaryHash = paused.status?.currentPodHash ?? "";
  const [canaryPod] = await waitFor("the canary pod", async () => {
    const pods = await podsOf(namespace, canaryHash);
    return pods.length === 1 ? pods : pending(`${pods.length} pods`);
  });
  assert.equal(canaryPod?.metadata?.labels?.role, "canary");
  assert.equal(canaryPod?.metadata?.annotations?.["example.com/track"], "canary");
  const uid = canaryPod?.metadata?.uid;
  // A key someone else put on the pod is not ours to remove.
  await testClient().mergePatch(
    Pods,
    { namespace, name: canaryPod?.metadata?.name ?? "" },
    { metadata: { labels: { owner: "ops" } } },
    "test",
  );

  await web.patchStatus({ pauseConditions: null });
  await web.until("v2 Healthy", (r) => r.status?.phase === "Healthy" && r.status.stableRS === canaryHash);
  const promoted = await waitFor("the same pod relabelled stable", async () => {
    const pod = (await podsOf(namespace, canaryHash)).find((p) => p.metadata?.uid === uid);
    return pod?.metadata?.labels?.role === "stable" ? pod : pending(JSON.stringify(pod?.metadata?.labels));
  });
  assert.equal(
    promoted.metadata?.annotations?.["example.com/track"],
    undefined,
    "the canary's annotation is gone",
  );
  assert.equal(promoted.metadata?.labels?.owner, "ops");
  for (const pod of await podsOf(namespace, canaryHash)) assert.equal(pod.metadata?.labels?.role, "stable");
});
