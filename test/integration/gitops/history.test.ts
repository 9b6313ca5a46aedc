// History, rollback and rollback-aware sync against a real git repository and the real API server:
// each deploy is recorded; a rollback to a history id re-applies that revision and suspends
// automated sync until resumed; a Rollout aborted at a revision marks it failed, the Application is
// Degraded naming it, and self-heal does not push the failed template back over an undo until a
// new commit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { GITOPS_FIELD_MANAGER } from "../../../src/gitops/apply/sync.ts";
import { RESUME_ANNOTATION } from "../../../src/gitops/operation.ts";
import { Applications, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { auditMark, auditMatches, auditUntilNow } from "../../helpers/audit.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
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
