// History, rollback and rollback-aware sync against a real git repository and the real API server:
// each deploy is recorded; a rollback to a history id re-applies that revision and suspends
// automated sync until resumed; a Rollout aborted at a revision marks it failed, the Application is
// Degraded naming it, and self-heal does not push the failed template back over an undo until a
// new commit.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { stringify } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { GITOPS_FIELD_MANAGER } from "../../../src/gitops/apply/sync.ts";
import { RESUME_ANNOTATION } from "../../../src/gitops/operation.ts";
import { AnalysisRuns, Applications, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { auditMark, auditMatches, auditUntilNow, describeAudit } from "../../helpers/audit.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { installRolloutCrd, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("history records each deploy; a rollback re-applies an entry and suspends automation until resumed", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, refresh, configMapValue } = await gitopsSetUp(t, "history");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until(
    "Synced at the first commit",
    (a) => a.status?.sync?.revision === first && a.status.sync.status === "Synced",
  );
  const second = await repo.commit({ "app/a.yaml": configMap("a", "2") }, "second");
  await refresh();
  const deployed = await until("two deploys", (a) => (a.status?.history?.length ?? 0) === 2);
  assert.deepEqual(
    deployed.status?.history?.map((h) => [h.id, h.revision]),
    [
      [0, first],
      [1, second],
    ],
  );
  assert.equal(await configMapValue("a"), "2");

  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { operation: { rollback: { id: 0 }, initiatedBy: { username: "test" } } },
    "test",
  );
  const rolledBack = await until(
    "rolled back and suspended",
    (a) => a.status?.sluice?.automationSuspended !== undefined && a.operation === undefined,
  );
  assert.match(rolledBack.status?.sluice?.automationSuspended?.reason ?? "", /history id 0/);
  assert.equal(await configMapValue("a"), "1", "the earlier manifests are back");
  assert.equal(rolledBack.status?.history?.at(-1)?.revision, first, "the rollback is a deploy too");

  // A new commit is seen (OutOfSync) but not applied while automation is suspended.
  const third = await repo.commit({ "app/a.yaml": configMap("a", "3") }, "third");
  await refresh();
  const waiting = await until("OutOfSync at the third commit", (a) => a.status?.sync?.revision === third);
  assert.equal(waiting.status?.sync?.status, "OutOfSync");
  assert.equal(await configMapValue("a"), "1");

  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { metadata: { annotations: { [RESUME_ANNOTATION]: "true" } } },
    "test",
  );
  await until(
    "resumed and Synced at the third commit",
    (a) => a.status?.sync?.status === "Synced" && !a.status.sluice?.automationSuspended,
  );
  assert.equal(await configMapValue("a"), "3");
});

test("a rollback to a history id that is not there fails the operation, naming the id", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until } = await gitopsSetUp(t, "history-missing");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { operation: { rollback: { id: 42 } } },
    "test",
  );
  const failed = await until(
    "the operation failed",
    (a) => a.status?.operationState?.phase === "Failed" && !a.operation,
  );
  assert.match(failed.status?.operationState?.message ?? "", /history id 42 not found/);
});

const rolloutManifest = (image: string) =>
  stringify({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
  });

test("rollback-aware sync: an aborted Rollout marks its revision failed; self-heal does not undo an undo until a new commit", async (t) => {
  await installRolloutCrd();
  const repo = await repository(t);
  const v1 = await repo.commit({ "app/rollout.yaml": rolloutManifest("registry.example/web:1") }, "v1");
  const { namespace, client, until, refresh } = await gitopsSetUp(t, "rollback-aware");
  await startSluice(t, [rolloutController], { namespace });
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { selfHeal: true } } }),
    "test",
  );
  await until(
    "Synced and Healthy at v1",
    (a) => a.status?.sync?.revision === v1 && a.status.health?.status === "Healthy",
  );
  const v2 = await repo.commit({ "app/rollout.yaml": rolloutManifest("registry.example/web:2") }, "v2");
  await refresh();
  const rolloutNow = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const imageNow = async () =>
    ((await rolloutNow()).spec?.template?.spec as { containers?: { image?: string }[] } | undefined)
      ?.containers?.[0]?.image;
  await waitFor("the canary paused", async () => {
    const r = await rolloutNow();
    return (r.status?.pauseConditions?.length ?? 0) > 0 ? r : pending(JSON.stringify(r.status?.phase));
  });
  // A person aborts: the Application records v2 as failed for this Rollout.
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { status: { abort: true } },
    "kubectl-sluice",
    {
      subresource: "status",
    },
  );
  const degraded = await until(
    "Degraded naming the Rollout",
    (a) => a.status?.health?.status === "Degraded" && (a.status.sluice?.failedRollouts?.length ?? 0) > 0,
  );
  assert.match(degraded.status?.health?.message ?? "", /Rollout web failed at revision/);
  assert.equal(degraded.status?.sluice?.failedRollouts?.[0]?.revision, v2);
  // The person undoes to v1's template: with the failed mark, self-heal does not push v2 back.
  const mark = await auditMark();
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: { spec: { containers: [{ name: "web", image: "registry.example/web:1" }] } } } },
    "kubectl-sluice",
  );
  const held = await until("the Rollout shown held back", (a) =>
    (a.status?.resources ?? []).some((r) => r.kind === "Rollout" && /held back/.test(r.message ?? "")),
  );
  assert.equal(held.status?.sync?.status, "OutOfSync");
  // Longer than self-heal's first backoffs (2 s, 6 s): no apply of the Rollout by the Git core.
  // A negative needs a window: nothing may happen in it, so it is waited out.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const writes = (await auditUntilNow(mark, namespace)).filter(
    (e) =>
      auditMatches(e, {
        namespace,
        resource: "rollouts",
        verbs: ["patch", "update"],
        fieldManager: GITOPS_FIELD_MANAGER,
      }) && !e.requestURI.includes("dryRun"),
  );
  assert.deepEqual(
    writes.map((e) => e.requestURI),
    [],
    "the failed template is not re-applied",
  );
  assert.equal(await imageNow(), "registry.example/web:1");

  // A new commit moves past v2: the mark is cleared and v3 is applied (a new canary).
  const v3 = await repo.commit({ "app/rollout.yaml": rolloutManifest("registry.example/web:3") }, "v3");
  await refresh();
  const moved = await until(
    "synced at v3, no failed mark",
    (a: Application) => a.status?.sync?.revision === v3 && !a.status.sluice?.failedRollouts,
  );
  assert.equal(moved.status?.operationState?.syncResult?.revision, v3);
  assert.equal(await imageNow(), "registry.example/web:3");
});

/** A web metric's endpoint on 127.0.0.1 answering `{"ratio": …}` with whatever `answer.ratio` holds now. */
async function ratioServer(t: TestContext) {
  const answer = { ratio: 0.5 };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { answer, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ratio` };
}

/**
 * The Git side of a canary with a step analysis: the Rollout (setWeight 50 → analysis → pause →
 * setWeight 100) and its AnalysisTemplate, one measurement judged at once (count 1, failureLimit
 * 0), so a bad ratio fails the run on its first measurement. The pause keeps a canary whose
 * analysis passes in progress where a test can see it.
 */
const canaryManifests = (image: string, url: string) => ({
  "app/rollout.yaml": stringify({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
      strategy: {
        canary: {
          steps: [
            { setWeight: 50 },
            { analysis: { templates: [{ templateName: "ratio" }] } },
            { pause: {} },
            { setWeight: 100 },
          ],
        },
      },
    },
  }),
  "app/analysis.yaml": stringify({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "ratio" },
    spec: {
      metrics: [
        {
          name: "ratio",
          count: 1,
          failureLimit: 0,
          successCondition: "result >= 0.95",
          provider: { web: { url, jsonPath: "{$.ratio}" } },
        },
      ],
    },
  }),
});

test("rollback-aware sync, as issue 14 proves it: a failed analysis aborts the canary, the Application is Degraded naming it, 60 s of self-heal leave the undo alone, the next commit starts a new canary", async (t) => {
  await installRolloutCrd();
  const metric = await ratioServer(t);
  const repo = await repository(t);
  const v1 = await repo.commit(canaryManifests("registry.example/web:1", metric.url), "v1");
  const { namespace, client, until, refresh } = await gitopsSetUp(t, "rollback-analysis");
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  // The test ends with a canary in progress, where the Rollout holds the restore-services
  // finalizer; the controllers are stopped by then (hooks run in order), so drop it or the
  // namespace never goes.
  t.after(() =>
    client
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined),
  );
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { selfHeal: true } } }),
    "test",
  );
  await until(
    "Synced and Healthy at v1",
    (a) => a.status?.sync?.revision === v1 && a.status.health?.status === "Healthy",
  );
  const rollout = rolloutIn(namespace);
  const v1Hash = (await rollout.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status
    ?.currentPodHash;
  assert.ok(v1Hash, "v1 has a pod-template hash");

  // v2: a new image whose analysis fails (the endpoint answers 0.5 < 0.95). The canary starts,
  // the run fails on its one measurement, and the Rollout aborts.
  const v2 = await repo.commit(canaryManifests("registry.example/web:2", metric.url), "v2");
  await refresh();
  const aborted = await rollout.until(
    "the v2 canary aborted by its analysis",
    (r) => r.status?.abort === true && r.status.phase === "Degraded",
  );
  const v2Hash = aborted.status?.currentPodHash;
  assert.ok(v2Hash && v2Hash !== v1Hash, "v2 was a new canary");
  const runs = await client.list<AnalysisRun>(AnalysisRuns, { namespace });
  assert.deepEqual(
    runs.items.map((r) => [r.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL], r.status?.phase]),
    [[v2Hash, "Failed"]],
    "one run, of the v2 canary, and it failed",
  );
  const degraded = await until(
    "Degraded naming the Rollout",
    (a) => a.status?.health?.status === "Degraded" && (a.status.sluice?.failedRollouts?.length ?? 0) > 0,
  );
  assert.match(
    degraded.status?.health?.message ?? "",
    new RegExp(`Rollout web failed at revision ${v2.slice(0, 7)}`),
  );
  assert.deepEqual(
    degraded.status?.sluice?.failedRollouts?.map((f) => [f.rollout, f.revision]),
    [["web", v2]],
  );

  // A person undoes to v1's template as kubectl-sluice does. Git still says v2 and self-heal is
  // on: without the failed mark the Git core would patch v2 back within seconds.
  const mark = await auditMark();
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: { spec: { containers: [{ name: "web", image: "registry.example/web:1" }] } } } },
    "kubectl-sluice",
  );
  const held = await until("the Rollout shown held back", (a) =>
    (a.status?.resources ?? []).some((r) => r.kind === "Rollout" && /held back/.test(r.message ?? "")),
  );
  assert.equal(held.status?.sync?.status, "OutOfSync");
  // The proof's 60 s: a negative needs a window in which nothing may happen, so it is waited out
  // with a plain timer (there is no event to wait for). It spans many self-heal backoffs and a
  // full 60 s poll of the repository.
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  const writes = (await auditUntilNow(mark, namespace)).filter(
    (e) =>
      auditMatches(e, {
        namespace,
        resource: "rollouts",
        verbs: ["patch", "update", "create"],
        fieldManager: GITOPS_FIELD_MANAGER,
      }) && !e.requestURI.includes("dryRun"),
  );
  assert.deepEqual(
    writes.map((e) => `${describeAudit(e)} ${e.requestURI}`),
    [],
    "the aborted template is not re-applied for 60 s",
  );
  const undone = await rollout.get();
  assert.equal(
    (undone.spec?.template?.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]
      ?.image,
    "registry.example/web:1",
  );
  assert.equal(undone.status?.currentPodHash, v1Hash, "the Rollout is back on v1's template");
  const stillHeld = await until("still Degraded at v2", (a) => a.status?.sync?.revision === v2);
  assert.equal(stillHeld.status?.health?.status, "Degraded");
  assert.equal(stillHeld.status?.sluice?.failedRollouts?.[0]?.revision, v2);

  // v3 (the fix: the endpoint now answers 0.99) moves the branch past v2: the mark is cleared and
  // a new canary starts, its analysis passes, and it waits at the pause.
  metric.answer.ratio = 0.99;
  const v3 = await repo.commit(canaryManifests("registry.example/web:3", metric.url), "v3");
  await refresh();
  const canary = await rollout.until(
    "a new canary for v3",
    (r) =>
      r.status?.currentPodHash !== undefined &&
      r.status.currentPodHash !== v1Hash &&
      r.status.currentPodHash !== v2Hash &&
      (r.status.phase === "Progressing" || r.status.phase === "Paused"),
  );
  const v3Hash = canary.status?.currentPodHash ?? "";
  assert.equal(canary.status?.abort ?? false, false);
  const replicaSets = await client.list<ReplicaSet>(ReplicaSets, { namespace });
  assert.ok(
    replicaSets.items.some((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === v3Hash),
    `a ReplicaSet for v3's template hash ${v3Hash}`,
  );
  const moved = await until(
    "synced at v3, no failed mark",
    (a: Application) =>
      a.status?.sync?.revision === v3 &&
      a.status.operationState?.syncResult?.revision === v3 &&
      !a.status.sluice?.failedRollouts,
  );
  assert.notEqual(moved.status?.health?.status, "Degraded");
  const paused = await rollout.until(
    "the v3 canary past its analysis, at the pause",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 2,
  );
  assert.equal(paused.status?.currentPodHash, v3Hash);
  assert.notEqual(paused.status?.abort, true);
});

test("dependsOn: B syncs only once A is Synced and Healthy (timestamps in status); a cycle is named", async (t) => {
  const repo = await repository(t);
  const deployment = (name: string) =>
    stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "x:1" }] } },
      },
    });
  await repo.commit({ "a/db.yaml": deployment("db"), "b/web.yaml": configMap("web", "1") }, "two apps");
  const { namespace, client } = await gitopsSetUp(t, "depends");
  const appNamed = (name: string, path: string, dependsOn?: string[]) => {
    const a = application(namespace, repo.url);
    a.metadata = { name, namespace };
    a.spec = { ...a.spec, source: { ...a.spec?.source, path }, ...(dependsOn ? { dependsOn } : {}) };
    return a;
  };
  const get = (name: string) => client.get<Application>(Applications, { namespace, name });
  // B first, so it has to wait for A.
  await client.create(Applications, appNamed("b", "b", ["a"]), "test");
  await waitFor("b waiting for a", async () => {
    const b = await get("b");
    return b.status?.sluice?.dependencies?.waitingFor?.includes("a")
      ? b
      : pending(JSON.stringify(b.status?.sluice));
  });
  await client.create(Applications, appNamed("a", "a"), "test");
  const b = await waitFor("b synced after a", async () => {
    const x = await get("b");
    return x.status?.sync?.status === "Synced" && x.status.operationState
      ? x
      : pending(JSON.stringify(x.status?.sluice));
  });
  const a = await get("a");
  assert.equal(a.status?.health?.status, "Healthy");
  const satisfiedAt = Date.parse(b.status?.sluice?.dependencies?.satisfiedAt ?? "");
  const waitingSince = Date.parse(b.status?.sluice?.dependencies?.waitingSince ?? "");
  const bSyncedAt = Date.parse(b.status?.operationState?.startedAt ?? "");
  const aDeployedAt = Date.parse(a.status?.history?.[0]?.deployedAt ?? "");
  assert.ok(waitingSince <= aDeployedAt, "b waited from before a was deployed");
  assert.ok(aDeployedAt <= satisfiedAt && satisfiedAt <= bSyncedAt, "b synced only once a was ready");

  // A cycle: a depends on b, which depends on a.
  await client.mergePatch(Applications, { namespace, name: "a" }, { spec: { dependsOn: ["b"] } }, "test");
  await waitFor("the cycle named", async () => {
    const x = await get("a");
    const message = x.status?.conditions?.find((c) => c.type === "InvalidSpecError")?.message ?? "";
    return /cycle a → b → a/.test(message) ? x : pending(message);
  });
});
