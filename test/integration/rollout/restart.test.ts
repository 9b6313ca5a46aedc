// spec.restartAt restarts every pod, a few at a time, and records status.restartedAt when done.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Pods, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { clockReaches, pending, waitFor } from "../../helpers/wait.ts";

type Pod = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

test("spec.restartAt replaces every older pod and records restartedAt", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "restart");
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
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "web:1" }] },
        },
        strategy: { canary: { steps: [{ setWeight: 50 }] } },
      },
    },
    "test",
  );
  await waitFor("Healthy", async () => {
    const r = await client.get<Rollout>(Rollouts, { namespace, name: "web" });
    return r.status?.phase === "Healthy" ? r : pending(`${r.status?.phase}`);
  });
  const pods = async () =>
    (await client.list<Pod>(Pods, { namespace, labelSelector: "app=web" })).items.filter(
      (p) => !p.metadata?.deletionTimestamp,
    );
  const existing = await pods();
  const before = new Set(existing.map((p) => p.metadata?.name));
  assert.equal(before.size, 4);
  // Creation times have one-second resolution: restart from the second after the newest pod's,
  // once the clock has reached it (a restartAt in the future is not acted on yet).
  const newest = Math.max(...existing.map((p) => Date.parse(p.metadata?.creationTimestamp ?? "")));
  const restartAt = new Date(newest + 1000).toISOString().replace(".000Z", "Z");
  await clockReaches(Date.parse(restartAt));
  await client.mergePatch(Rollouts, { namespace, name: "web" }, { spec: { restartAt } }, "kubectl-sluice");

  const done = await waitFor(
    "restartedAt recorded",
    async () => {
      const r = await client.get<Rollout>(Rollouts, { namespace, name: "web" });
      return r.status?.restartedAt === restartAt && r.status.phase === "Healthy"
        ? r
        : pending(
            JSON.stringify({
              phase: r.status?.phase,
              msg: r.status?.message,
              restartedAt: r.status?.restartedAt,
            }),
          );
    },
    { timeoutMs: 60_000 },
  );
  assert.equal(done.status?.availableReplicas, 4);
  // The last evicted pod's replacement is kube-controller-manager's to make (the Rollout may have
  // been judged from a ReplicaSet status that had not seen that eviction yet).
  const after = await waitFor("four pods, all new", async () => {
    const now = await pods();
    const fresh = now.filter((p) => !before.has(p.metadata?.name));
    return now.length === 4 && fresh.length === 4 ? now : pending(`${fresh.length}/${now.length} new`);
  });
  for (const pod of after) {
    assert.ok(!before.has(pod.metadata?.name), `${pod.metadata?.name} was not restarted`);
    assert.ok(Date.parse(pod.metadata?.creationTimestamp ?? "") >= Date.parse(restartAt));
  }
});
