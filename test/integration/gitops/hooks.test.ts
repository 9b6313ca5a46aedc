// Sync hooks against a real git repository and the real API server (kwok completes Job pods, and
// fails those labelled kwok.sluice.dev/fail): a PreSync Job is created and completes before any
// object is applied (audit log order), HookSucceeded deletes it after, a PostSync Job runs after
// the objects, BeforeHookCreation replaces the PostSync Job on the next sync and a hook gone from
// Git is not pruned; a failing PreSync
// Job stops the sync (nothing applied, the operation Failed naming it) and the SyncFail hook runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import type { SyncResultResource } from "../../../src/api/application.ts";
import { GITOPS_FIELD_MANAGER } from "../../../src/gitops/apply/sync.ts";
import { isNotFound } from "../../../src/kube/errors.ts";
import { Applications, Jobs } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import {
  type AuditEvent,
  auditMark,
  auditMatches,
  auditUntilNow,
  describeAudit,
  SLUICE_AGENT,
} from "../../helpers/audit.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";

const hookJob = (name: string, annotations: Record<string, string>, fail = false) =>
  stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, annotations },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: fail ? { "kwok.sluice.dev/fail": "true" } : {} },
        spec: { restartPolicy: "Never", containers: [{ name: "run", image: "registry.example/migrate:1" }] },
      },
    },
  });

const byName = (resources: SyncResultResource[] | undefined, name: string) =>
  resources?.find((r) => r.kind === "Job" && r.name === name);

/** Where in `events` sluice first did `verb` on `resource/name` (for real: no dry run); -1 if never. */
function indexOf(events: AuditEvent[], namespace: string, verb: string, resource: string, name?: string) {
  return events.findIndex(
    (e) =>
      auditMatches(e, {
        namespace,
        resource,
        verbs: [verb],
        userAgent: SLUICE_AGENT,
        succeeded: true,
        ...(name ? { name } : {}),
      }) && !e.requestURI.includes("dryRun"),
  );
}

test("a PreSync Job runs before anything is applied and HookSucceeded deletes it; BeforeHookCreation replaces a PostSync Job on the next sync", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit(
    {
      "app/a.yaml": configMap("a", "1"),
      "app/migrate.yaml": hookJob("migrate", {
        "argocd.argoproj.io/hook": "PreSync",
        "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
      }),
      // Helm's annotation, mapped onto PostSync; BeforeHookCreation by default.
      "app/smoke.yaml": hookJob("smoke", { "helm.sh/hook": "post-install" }),
    },
    "first",
  );
  const { namespace, client, until, refresh, configMapValue } = await gitopsSetUp(t, "hooks");
  const mark = await auditMark();
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { prune: true } } }),
    "test",
  );
  const synced = await until(
    "the first sync Succeeded",
    (a) => a.status?.operationState?.phase === "Succeeded" && a.status.sync?.revision === first,
  );
  assert.equal(synced.status?.sync?.status, "Synced", "hooks are not compared: no OutOfSync");
  assert.equal(await configMapValue("a"), "1");
  const results = synced.status?.operationState?.syncResult?.resources;
  assert.deepEqual(
    [byName(results, "migrate")?.hookType, byName(results, "migrate")?.hookPhase],
    ["PreSync", "Succeeded"],
  );
  assert.deepEqual(
    [byName(results, "smoke")?.hookType, byName(results, "smoke")?.hookPhase],
    ["PostSync", "Succeeded"],
  );

  const events = await auditUntilNow(mark, namespace);
  const trace = events.filter((e) => e.objectRef?.namespace === namespace).map(describeAudit);
  const migrateCreated = indexOf(events, namespace, "create", "jobs", "migrate");
  const firstApply = indexOf(events, namespace, "patch", "configmaps", "a");
  const migrateDeleted = indexOf(events, namespace, "delete", "jobs", "migrate");
  const smokeCreated = indexOf(events, namespace, "create", "jobs", "smoke");
  assert.ok(migrateCreated >= 0 && firstApply > migrateCreated, `PreSync before the first apply: ${trace}`);
  assert.ok(migrateDeleted > migrateCreated, `HookSucceeded deletes the PreSync Job: ${trace}`);
  assert.ok(smokeCreated > firstApply, `PostSync after the objects: ${trace}`);
  await assert.rejects(client.get(Jobs, { namespace, name: "migrate" }), isNotFound);
  const smoke = await client.get<KubeObject>(Jobs, { namespace, name: "smoke" });

  // The next sync: BeforeHookCreation deletes the smoke Job that is there and creates it afresh.
  const second = await repo.commit({ "app/a.yaml": configMap("a", "2") }, "second");
  const before = await auditMark();
  await refresh();
  await until(
    "the second sync Succeeded",
    (a) => a.status?.operationState?.phase === "Succeeded" && a.status.sync?.revision === second,
  );
  const again = await auditUntilNow(before, namespace);
  const replaced = await client.get<KubeObject>(Jobs, { namespace, name: "smoke" });
  assert.notEqual(replaced.metadata?.uid, smoke.metadata?.uid, "a new smoke Job");
  const deleted = indexOf(again, namespace, "delete", "jobs", "smoke");
  assert.ok(
    deleted >= 0 && indexOf(again, namespace, "create", "jobs", "smoke") > deleted,
    `deleted before it is created again: ${again.filter((e) => e.objectRef?.namespace === namespace).map(describeAudit)}`,
  );
  assert.equal(await configMapValue("a"), "2");

  // A hook gone from Git is not pruned (hooks are no inventory), even with automated prune.
  const third = await repo.commit({ "app/smoke.yaml": null, "app/a.yaml": configMap("a", "3") }, "third");
  const beforeThird = await auditMark();
  await refresh();
  const done = await until(
    "the third sync Succeeded",
    (a) => a.status?.operationState?.phase === "Succeeded" && a.status.sync?.revision === third,
  );
  assert.equal(done.status?.sync?.status, "Synced");
  assert.equal(await configMapValue("a"), "3");
  const kept = await client.get<KubeObject>(Jobs, { namespace, name: "smoke" });
  assert.equal(kept.metadata?.uid, replaced.metadata?.uid, "the smoke Job is not pruned");
  assert.equal(kept.metadata?.deletionTimestamp, undefined, "nor being deleted");
  const late = await auditUntilNow(beforeThird, namespace);
  assert.equal(indexOf(late, namespace, "delete", "jobs", "smoke"), -1, "no delete of the smoke Job");
});

test("a failing PreSync Job stops the sync: nothing applied, the operation Failed naming it, SyncFail hooks run", async (t) => {
  const repo = await repository(t);
  await repo.commit(
    {
      "app/a.yaml": configMap("a", "1"),
      "app/migrate.yaml": hookJob("migrate", { "argocd.argoproj.io/hook": "PreSync" }, true),
      "app/cleanup.yaml": hookJob("cleanup", { "argocd.argoproj.io/hook": "SyncFail" }),
      // Skip: never applied.
      "app/skipped.yaml": configMap("skipped", "1").replace(
        "metadata:\n",
        'metadata:\n  annotations:\n    argocd.argoproj.io/hook: "Skip"\n',
      ),
    },
    "first",
  );
  const { namespace, client, until, configMapValue } = await gitopsSetUp(t, "hooks-fail");
  const mark = await auditMark();
  await client.create(Applications, application(namespace, repo.url), "test");
  const failed = await until("the sync Failed", (a) => a.status?.operationState?.phase === "Failed");
  assert.match(failed.status?.operationState?.message ?? "", /PreSync hook Job\/migrate failed/);
  const results = failed.status?.operationState?.syncResult?.resources;
  assert.equal(byName(results, "migrate")?.hookPhase, "Failed");
  assert.deepEqual(
    [byName(results, "cleanup")?.hookType, byName(results, "cleanup")?.hookPhase],
    ["SyncFail", "Succeeded"],
  );
  assert.equal(await configMapValue("a"), undefined, "the ordinary object was not applied");
  assert.equal(await configMapValue("skipped"), undefined);
  const events = await auditUntilNow(mark, namespace);
  const applies = events.filter(
    (e) =>
      auditMatches(e, {
        namespace,
        resource: "configmaps",
        verbs: ["patch"],
        fieldManager: GITOPS_FIELD_MANAGER,
      }) && !e.requestURI.includes("dryRun"),
  );
  assert.deepEqual(applies.map(describeAudit), [], "no apply of an ordinary object");
  assert.ok(indexOf(events, namespace, "create", "jobs", "migrate") >= 0, "the PreSync Job was created");
});
