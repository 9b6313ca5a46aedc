// How a Rollout builds an AnalysisRun from what it references: templates that name further
// templates (namespaced and cluster-scoped, with a cycle and a diamond) contribute their metrics
// once; args come from the Rollout itself (fieldRef) and the pod-template hashes; a gating run
// whose metric would never end is refused with an Event and the rollout aborts.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import {
  AnalysisRuns,
  AnalysisTemplates,
  ClusterAnalysisTemplates,
  Events,
  ReplicaSets,
  Rollouts,
} from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { auditMark, auditMatches, auditUntilNow, describeAudit, SLUICE_AGENT } from "../../helpers/audit.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  provider: { web: { url: "http://127.0.0.1:1/{{args.team}}" } },
  ...extra,
});

async function templateIn(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await testClient().create(
    AnalysisTemplates,
    { apiVersion: "sluice.dev/v1alpha1", kind: "AnalysisTemplate", metadata: { name, namespace }, spec },
    "test",
  );
}

async function rolloutWithStep(namespace: string, analysis: Record<string, unknown>): Promise<void> {
  await testClient().create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace, labels: { team: "payments" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: podTemplate("web:1"),
        strategy: { canary: { steps: [{ setWeight: 50 }, { analysis }] } },
      },
    },
    "test",
  );
}

test("composed templates, fieldRef and hash args make up the step's run", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "compose");
  const client = testClient();
  const clusterName = `shared-${randomBytes(3).toString("hex")}`;
  await client.create(
    ClusterAnalysisTemplates,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "ClusterAnalysisTemplate",
      metadata: { name: clusterName },
      spec: { metrics: [metric("cluster-wide")] },
    },
    "test",
  );
  t.after(() => client.delete(ClusterAnalysisTemplates, { name: clusterName }).catch(() => undefined));
  // parent → child-a, child-b; child-a → shared (cluster) and back to parent (a cycle);
  // child-b → shared too (a diamond).
  await templateIn(namespace, "parent", {
    templates: [{ templateName: "child-a" }, { templateName: "child-b" }],
    args: [{ name: "team" }, { name: "stable" }, { name: "canary" }],
  });
  await templateIn(namespace, "child-a", {
    metrics: [metric("a")],
    templates: [{ templateName: clusterName, clusterScope: true }, { templateName: "parent" }],
  });
  await templateIn(namespace, "child-b", {
    metrics: [metric("b")],
    templates: [{ templateName: clusterName, clusterScope: true }],
  });
  await startSluice(t, [rolloutController], { namespace });
  await rolloutWithStep(namespace, {
    templates: [{ templateName: "parent" }],
    args: [
      { name: "team", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: "stable", valueFrom: { podTemplateHashValue: "Stable" } },
      { name: "canary", valueFrom: { podTemplateHashValue: "Latest" } },
    ],
  });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  await web.patchSpec({ template: podTemplate("web:2") });
  const run = await waitFor("the step's AnalysisRun", async () => {
    const list = await client.list<AnalysisRun>(AnalysisRuns, {
      namespace,
      labelSelector: "rollout-type=Step",
    });
    return list.items[0] ?? pending("none yet");
  });
  const h2 = run.metadata?.labels?.["rollouts-pod-template-hash"] ?? "";
  assert.notEqual(h2, h1);
  assert.deepEqual(run.spec?.metrics?.map((m) => m.name).sort(), ["a", "b", "cluster-wide"]);
  assert.deepEqual(Object.fromEntries((run.spec?.args ?? []).map((a) => [a.name, a.value])), {
    team: "payments",
    stable: h1,
    canary: h2,
  });
});

test("a gating metric that would never end is an InvalidSpec before anything moves", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "endless");
  const client = testClient();
  await templateIn(namespace, "endless", {
    metrics: [metric("forever", { interval: "5s" })],
    args: [{ name: "team", value: "x" }],
  });
  await startSluice(t, [rolloutController], { namespace });
  await rolloutWithStep(namespace, { templates: [{ templateName: "endless" }] });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  await web.patchSpec({ template: podTemplate("web:2") });
  const refused = await web.until("InvalidSpec", (r) => r.status?.phase === "Degraded");
  const condition = refused.status?.conditions?.find((c) => c.type === "InvalidSpec");
  assert.match(
    condition?.message ?? "",
    /^spec\.strategy\.canary\.steps\[1\]\.analysis: metric "forever" has an interval and no count/,
  );
  assert.equal(refused.status?.abort ?? false, false, "nothing to abort: nothing moved");
  assert.equal(refused.status?.stableRS, h1);
  const replicaSets = await client.list<KubeObject>(ReplicaSets, { namespace });
  assert.equal(replicaSets.items.length, 1, "no ReplicaSet for v2: the update did not start");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "InvalidSpec" && /forever/.test(e.message ?? "")));
  const runs = await client.list<AnalysisRun>(AnalysisRuns, { namespace });
  assert.equal(runs.items.length, 0, "no run was created");
});

test("a step whose template is not there yet waits for it (no abort), then runs it", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "late-template");
  const client = testClient();
  const server = createServer((_req, res) => res.end(JSON.stringify({ ok: 1 })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await rolloutWithStep(namespace, { templates: [{ templateName: "later" }] });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  await web.patchSpec({ template: podTemplate("web:2") });
  const missing =
    'spec.strategy.canary.steps[1].analysis: AnalysisTemplate "later" not found (waiting for it)';
  const waiting = await web.until("waiting for the template", (r) =>
    (r.status?.conditions ?? []).some((c) => c.type === "InvalidSpec" && c.status === "True"),
  );
  // Said as the peer says a missing reference: InvalidSpec naming the field, phase Degraded;
  // but nothing is aborted or scaled back.
  assert.equal(waiting.status?.conditions?.find((c) => c.type === "InvalidSpec")?.message, missing);
  assert.equal(waiting.status?.phase, "Degraded");
  assert.equal(waiting.status?.message, `InvalidSpec: ${missing}`);
  assert.equal(waiting.status?.abort ?? false, false);
  // Found before the update starts (the peer's up-front validation): nothing has moved yet.
  const replicaSets = await client.list<KubeObject>(ReplicaSets, { namespace });
  assert.equal(replicaSets.items.length, 1, "no ReplicaSet for v2 while the template is missing");
  const events = await client.list<KubeObject & { reason?: string; message?: string; count?: number }>(
    Events,
    { namespace },
  );
  const notFound = events.items.filter((e) => e.reason === "AnalysisTemplateNotFound");
  assert.deepEqual(
    notFound.map((e) => [e.message, e.count ?? 1]),
    [[missing, 1]],
  );
  // Another look while the template is still missing changes no status (the condition's times
  // stay) and repeats no Event. The look is made by a new generation and nothing else: its one
  // status write (observedGeneration, after any Event of that reconcile) shows it happened.
  const mark = await auditMark();
  const looked = await web.newGeneration();
  const withoutGeneration = (r: Rollout) => ({ ...r.status, observedGeneration: undefined });
  assert.deepEqual(
    withoutGeneration(looked),
    withoutGeneration(waiting),
    "no status change but the generation",
  );
  const writes = (await auditUntilNow(mark, namespace)).filter((e) =>
    auditMatches(e, { namespace, userAgent: SLUICE_AGENT, succeeded: true }),
  );
  assert.deepEqual(
    writes.map(describeAudit),
    ["patch rollouts/web/status 200"],
    "one status write (the new observedGeneration), no Event",
  );
  const later = await client.list<KubeObject & { reason?: string; count?: number }>(Events, { namespace });
  assert.deepEqual(
    later.items.filter((e) => e.reason === "AnalysisTemplateNotFound").map((e) => e.count ?? 1),
    [1],
  );
  await templateIn(namespace, "later", {
    metrics: [
      { name: "ok", successCondition: "result == 1", provider: { web: { url, jsonPath: "{$.ok}" } } },
    ],
  });
  const done = await web.until(
    "promoted once the template arrived",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== h1,
    30_000,
  );
  assert.equal(done.status?.abort, false);
  assert.equal(
    done.status?.conditions?.find((c) => c.type === "InvalidSpec"),
    undefined,
    "the condition is gone once the template is there",
  );
});

test("a template deleted mid-update never holds up an abort (the up-front check is for starting updates)", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "template-gone");
  const client = testClient();
  await templateIn(namespace, "later", {
    metrics: [metric("m", { count: 1 })],
    args: [{ name: "team", value: "x" }],
  });
  await startSluice(t, [rolloutController], { namespace });
  await createRollout(namespace, {
    canary: {
      steps: [{ setWeight: 50 }, { pause: {} }, { analysis: { templates: [{ templateName: "later" }] } }],
    },
  });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("paused at step 1", (r) => r.status?.phase === "Paused");
  await client.delete(AnalysisTemplates, { namespace, name: "later" });
  await web.patchStatus({ abort: true });
  const aborted = await web.until(
    "aborted",
    (r) => r.status?.abort === true && r.status.phase === "Degraded",
  );
  assert.match(aborted.status?.message ?? "", /^RolloutAborted: /, "aborted, not held as InvalidSpec");
  await waitFor("v1 whole again, the canary gone", async () => {
    const scales = await scalesByHash(namespace);
    const canary = Object.entries(scales).find(([hash]) => hash !== h1)?.[1];
    return scales[h1]?.[0] === 2 && canary?.[0] === 0 ? true : pending(JSON.stringify(scales));
  });
});
