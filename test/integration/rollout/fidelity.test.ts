// Behaviours a user moving from Argo Rollouts relies on, each as the peer behaves (issue 9's list),
// on real ReplicaSets with kwok pods.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Pods, ReplicaSets } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../../src/rollout/bluegreen.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
  selectorHash,
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

const execFileAsync = promisify(execFile);

const NEVER_READY = { "kwok.sluice.dev/never-ready": "true" };

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
    const aborted = await web.until(
      "aborted",
      (r) => r.status?.phase === "Degraded" && r.status.abort === true,
    );
    if (kind === "canary")
      assert.equal(aborted.status?.currentStepIndex, 0, "an aborted update is back at step 0");
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

test("canary: abortScaleDownDelaySeconds without a traffic router is accepted", async (t) => {
  const strategy = { canary: { abortScaleDownDelaySeconds: 5, steps: [{ setWeight: 50 }] } };
  const { web } = await healthyRollout(t, "abort-delay", strategy);
  const r = await web.get();
  assert.equal(
    r.status?.conditions?.find((c) => c.type === "InvalidSpec"),
    undefined,
  );
});

test("canary: a first revision that never gets ready is stable at once; the next revision walks its steps", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "first-never-ready");
  await startSluice(t, [rolloutController], { namespace });
  const steps = [{ setWeight: 50 }, { pause: {} }];
  await createRollout(
    namespace,
    { canary: { steps } },
    { spec: { template: podTemplate("web:1", NEVER_READY) } },
  );
  const web = rolloutIn(namespace);
  const first = await web.until("v1 stable though never ready", (r) => r.status?.stableRS !== undefined);
  assert.equal(first.status?.stableRS, first.status?.currentPodHash);
  assert.equal(first.status?.currentStepIndex, 2, "every step counts as done on a first deploy");
  await web.patchSpec({ template: podTemplate("web:2") });
  // (It cannot finish the step: the v1 pods never get ready, so none may be taken away.)
  const second = await web.until(
    "v2 on its first step",
    (r) =>
      r.status?.currentPodHash !== first.status?.currentPodHash &&
      r.status?.sluice?.machine?.value === "stepping",
  );
  assert.equal(second.status?.currentStepIndex, 0, "the steps are walked, not skipped");
  assert.equal(second.status?.canary?.weights?.canary.weight, 50);
  assert.equal(second.status?.stableRS, first.status?.stableRS);
});

test("a promoted rollout that loses pods goes Progressing (ReplicaSetNotAvailable), Degraded at the deadline, then Healthy", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "lost-pods");
  await startSluice(t, [rolloutController], { namespace });
  const template = podTemplate("web:1", { "kwok.sluice.dev/ready-after": "6s" });
  await createRollout(
    namespace,
    { canary: { steps: [{ setWeight: 50 }] } },
    { spec: { template, progressDeadlineSeconds: 2 } },
  );
  const web = rolloutIn(namespace);
  await web.until("Healthy", (r) => r.status?.phase === "Healthy", 60_000);
  const client = testClient();
  const pods = await client.list<KubeObject>(Pods, { namespace });
  for (const pod of pods.items) await client.delete(Pods, { namespace, name: pod.metadata?.name ?? "" });
  const progressing = (r: Rollout) => r.status?.conditions?.find((c) => c.type === "Progressing");
  await web.until(
    "Progressing: ReplicaSetNotAvailable",
    (r) => progressing(r)?.reason === "ReplicaSetNotAvailable",
  );
  const degraded = await web.until("Degraded at the deadline", (r) => r.status?.phase === "Degraded");
  assert.match(degraded.status?.message ?? "", /^ProgressDeadlineExceeded: /);
  assert.notEqual(degraded.status?.abort, true, "a promoted rollout has nothing to abort to");
  const back = await web.until(
    "Healthy again once the pods are back",
    (r) => r.status?.phase === "Healthy",
    60_000,
  );
  assert.equal(progressing(back)?.reason, "NewReplicaSetAvailable");
});

test("canary: editing the steps mid-update starts over at step 0 and records currentStepHash", async (t) => {
  const steps = [{ setWeight: 40 }, { pause: {} }];
  const { web, h1 } = await healthyRollout(t, "edit-steps", { canary: { steps } });
  const rest = await web.get();
  assert.ok(rest.status?.currentStepHash, "currentStepHash is written");
  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until("paused at step 1", (r) => r.status?.phase === "Paused");
  assert.equal(paused.status?.currentStepIndex, 1);
  const edited = [{ setWeight: 20 }, { setWeight: 30 }, { pause: {} }];
  await web.patchSpec({ strategy: { canary: { steps: edited } } });
  // Started over at step 0: walks 20 %, 30 %, then pauses at the new pause (index 2).
  const restarted = await web.until(
    "started over, then paused at the new pause step",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 2,
  );
  assert.equal(restarted.status?.canary?.weights?.canary.weight, 30);
  assert.equal(restarted.status?.stableRS, h1);
  assert.notEqual(restarted.status?.currentStepHash, rest.status?.currentStepHash);
});

test("blue/green: going back to a version within its scale-down delay is fast-tracked and its deadline removed", async (t) => {
  const strategy = {
    blueGreen: { activeService: "web-active", autoPromotionEnabled: false, scaleDownDelaySeconds: 120 },
  };
  const { namespace, web, h1 } = await healthyRollout(t, "bg-fast-rollback", strategy, {
    services: ["web-active"],
  });
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("v2 paused in preview", (r) => r.status?.phase === "Paused");
  await web.patchStatus({ pauseConditions: null });
  const v2 = await web.until("v2 Healthy", (r) => r.status?.phase === "Healthy" && r.status.stableRS !== h1);
  const h2 = v2.status?.stableRS ?? "";
  const deadlineOf = async (hash: string) =>
    (await testClient().list<KubeObject>(ReplicaSets, { namespace })).items.find(
      (rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash,
    )?.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
  assert.ok(await deadlineOf(h1), "v1 waits out its scale-down delay");
  // Back to v1 while it is still up: no preview, no pause (autoPromotionEnabled is false).
  await web.patchSpec({ template: podTemplate("web:1") });
  const back = await web.until(
    "back on v1",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === h1,
  );
  assert.equal(back.status?.blueGreen?.activeSelector, h1);
  assert.equal(await selectorHash(namespace, "web-active"), h1);
  await waitFor("v1's deadline removed, v2's recorded", async () => {
    const [d1, d2] = [await deadlineOf(h1), await deadlineOf(h2)];
    return d1 === undefined && d2 !== undefined ? true : pending(JSON.stringify({ d1, d2 }));
  });
});

test("blue/green: the preview Service follows the new ReplicaSet at once, ready or not; active stays", async (t) => {
  const strategy = {
    blueGreen: { activeService: "web-active", previewService: "web-preview", autoPromotionEnabled: false },
  };
  const { namespace, web, h1 } = await healthyRollout(t, "bg-preview-at-once", strategy, {
    services: ["web-active", "web-preview"],
  });
  await web.patchSpec({ template: podTemplate("web:2", NEVER_READY) });
  const updating = await web.until("v2 noticed", (r) => (r.status?.currentPodHash ?? h1) !== h1);
  const h2 = updating.status?.currentPodHash ?? "";
  await waitFor("preview Service on the (never ready) v2 pods", async () => {
    const hash = await selectorHash(namespace, "web-preview");
    return hash === h2 ? true : pending(String(hash));
  });
  const scales = await scalesByHash(namespace);
  assert.equal(scales[h2]?.[1], 0, "the v2 pods are not ready, and yet the preview points at them");
  assert.equal(await selectorHash(namespace, "web-active"), h1, "active stays on v1");
});

test("kubectl wait --for=condition=Healthy returns once the rollout is Healthy; Completed reads as the peer's", async (t) => {
  const { namespace, web } = await healthyRollout(t, "kubectl-wait", {
    canary: { steps: [{ setWeight: 50 }] },
  });
  // kubectl itself (argument array, no shell), against the test cluster.
  const { stdout } = await execFileAsync(
    process.env.KUBECTL ?? "kubectl",
    [
      "--kubeconfig",
      requireEnv(ENV.kubeconfig),
      "wait",
      "--for=condition=Healthy",
      "rollout/web",
      "-n",
      namespace,
      "--timeout=30s",
    ],
    { timeout: 40_000 },
  );
  assert.match(stdout, /rollout\.sluice\.dev\/web condition met/);
  const r = await web.get();
  const completed = r.status?.conditions?.find((c) => c.type === "Completed");
  assert.deepEqual(
    [completed?.status, completed?.reason, completed?.message],
    ["True", "RolloutCompleted", "RolloutCompleted"],
  );
  const healthy = r.status?.conditions?.find((c) => c.type === "Healthy");
  assert.deepEqual(
    [healthy?.status, healthy?.reason, healthy?.message],
    ["True", "RolloutHealthy", "Rollout is healthy"],
  );
});
