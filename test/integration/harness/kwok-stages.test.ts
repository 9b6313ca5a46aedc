// The kwok Stages shipped with the harness (test/cluster/kwok/stages.yaml), chosen by pod label.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { auditMark, auditMatches, auditUntilNow, describeAudit } from "../../helpers/audit.ts";
import { apply, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
  };
}

function job(name: string, labels: Record<string, string> = {}): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: { restartPolicy: "Never", containers: [{ name: "check", image: "registry.example/check:1" }] },
      },
    },
  };
}

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");

async function readPod(namespace: string, name: string): Promise<V1Pod> {
  return testKubeConfig().makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace });
}

test("pods without a kwok label are Running and Ready at once", async (t) => {
  const namespace = await useNamespace(t, "kwok");
  await apply([pod("plain")], namespace);
  const live = await waitFor("pod plain Ready", async () => {
    const p = await readPod(namespace, "plain");
    return isReady(p) ? p : pending(`phase=${p.status?.phase}`);
  });
  assert.equal(live.status?.phase, "Running");
  assert.ok(live.status?.podIP, "a Ready pod has a pod IP (EndpointSlices need one)");
});

test("ready-after: Running but not Ready until the delay has passed", async (t) => {
  const namespace = await useNamespace(t, "kwok");
  await apply([pod("slow", { "kwok.sluice.dev/ready-after": "4s" })], namespace);
  const running = await waitFor("pod slow Running", async () => {
    const p = await readPod(namespace, "slow");
    return p.status?.phase === "Running" ? p : pending(`phase=${p.status?.phase}`);
  });
  assert.ok(!isReady(running), "not Ready while the delay runs");
  const ready = await waitFor("pod slow Ready", async () => {
    const p = await readPod(namespace, "slow");
    return isReady(p) ? p : pending("not Ready");
  });
  const readyAt = ready.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  const startedAt = ready.status?.startTime;
  assert.ok(readyAt && startedAt);
  // Condition times have one-second resolution.
  assert.ok(
    new Date(readyAt).getTime() - new Date(startedAt).getTime() >= 3000,
    `${startedAt} -> ${readyAt}`,
  );
});

test("never-ready: Running and never Ready", async (t) => {
  const namespace = await useNamespace(t, "kwok");
  await apply([pod("stuck", { "kwok.sluice.dev/never-ready": "true" })], namespace);
  await waitFor("pod stuck Running", async () => {
    const p = await readPod(namespace, "stuck");
    return p.status?.phase === "Running" ? true : pending(`phase=${p.status?.phase}`);
  });
  // kwok has had its chance once a pod made after it in the same state has passed a delayed
  // stage of 1 s: by then no stage (they are immediate but for ready-after) moved the stuck one.
  const mark = await auditMark();
  await apply([pod("marker", { "kwok.sluice.dev/ready-after": "1s" })], namespace);
  await waitFor("pod marker Ready", async () =>
    isReady(await readPod(namespace, "marker")) ? true : pending("not Ready"),
  );
  const stuckWrites = (await auditUntilNow(mark, namespace)).filter((e) =>
    auditMatches(e, { namespace, resource: "pods", name: "stuck" }),
  );
  assert.deepEqual(stuckWrites.map(describeAudit), [], "nothing wrote to the stuck pod after it was Running");
  const p = await readPod(namespace, "stuck");
  assert.equal(p.status?.phase, "Running");
  assert.ok(!isReady(p), "a never-ready pod became Ready");
});

async function jobCondition(namespace: string, name: string, type: "Complete" | "Failed"): Promise<V1Job> {
  const batch = testKubeConfig().makeApiClient(BatchV1Api);
  return waitFor(
    `job ${name} condition ${type}=True`,
    async () => {
      const j = await batch.readNamespacedJob({ name, namespace });
      const conditions = j.status?.conditions ?? [];
      return conditions.some((c) => c.type === type && c.status === "True")
        ? j
        : pending(JSON.stringify(conditions.map((c) => `${c.type}=${c.status}`)));
    },
    { timeoutMs: 60_000 },
  );
}

test("a Job completes, and a Job whose pod carries kwok.sluice.dev/fail fails", async (t) => {
  const namespace = await useNamespace(t, "kwok");
  await apply([job("ok"), job("broken", { "kwok.sluice.dev/fail": "true" })], namespace);
  const ok = await jobCondition(namespace, "ok", "Complete");
  assert.equal(ok.status?.succeeded, 1);
  const broken = await jobCondition(namespace, "broken", "Failed");
  assert.equal(broken.status?.failed, 1);
  assert.ok(!broken.status?.succeeded);
});
