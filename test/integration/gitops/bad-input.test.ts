// Bad input with automated sync and prune on: each bad commit is a ComparisonError (or a failed
// sync) naming the file, line, object or path, with an Event — and nothing already applied is
// pruned or changed, nothing of the bad commit half-applied. A good commit afterwards recovers.
import assert from "node:assert/strict";
import { rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { Applications, Events } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";

const tenObjects = (value: string) =>
  Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`app/cm-${i}.yaml`, configMap(`cm-${i}`, value)]));

test("bad commits never prune or half-apply: malformed YAML, a symlink out of the repo, another namespace, one invalid object of ten", async (t) => {
  const repo = await repository(t);
  const good = await repo.commit(tenObjects("1"), "ten objects");
  const { namespace, client, until, refresh, configMapValue } = await gitopsSetUp(t, "bad-input");
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { prune: true, selfHeal: true } } }),
    "test",
  );
  await until("Synced", (a) => a.status?.sync?.revision === good && a.status.sync.status === "Synced");
  const untouched = async (why: string) => {
    for (let i = 0; i < 10; i++) assert.equal(await configMapValue(`cm-${i}`), "1", `${why}: cm-${i}`);
  };
  const conditionAfterRefresh = async (type: string, why: RegExp) => {
    await refresh();
    const app = await until(`${type} ${why}`, (a) =>
      (a.status?.conditions ?? []).some((c) => c.type === type && why.test(c.message ?? "")),
    );
    const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, {
      namespace,
    });
    assert.ok(
      events.items.some((e) => e.reason === type && why.test(e.message ?? "")),
      `an Event says ${why}`,
    );
    return app;
  };

  // Malformed YAML, and every other file deleted in the same commit: still nothing is pruned.
  const deletions = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`app/cm-${i + 1}.yaml`, null]));
  await repo.commit(
    { ...deletions, "app/cm-0.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n" },
    "malformed",
  );
  const malformed = await conditionAfterRefresh("ComparisonError", /cm-0\.yaml.*line \d+/);
  assert.equal(malformed.status?.sync?.status, "Unknown");
  await untouched("malformed YAML");

  // A symlink that leaves the repository.
  await repo.commit(tenObjects("1"), "restore");
  await symlink("/etc/hostname", join(repo.dir, "app", "escape.yaml"));
  await repo.commit({}, "symlink out");
  await conditionAfterRefresh("ComparisonError", /escape\.yaml/);
  await untouched("symlink");
  await rm(join(repo.dir, "app", "escape.yaml"));

  // An object in a namespace that is not the destination.
  await repo.commit(
    {
      "app/other.yaml": configMap("other", "1").replace(
        "metadata:\n",
        "metadata:\n  namespace: kube-system\n",
      ),
    },
    "other namespace",
  );
  await conditionAfterRefresh("ComparisonError", /namespace "kube-system" is not the destination namespace/);
  await untouched("other namespace");

  // One invalid object among ten changed ones: the sync fails on the dry run, none is applied.
  const invalid = `apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: 99999999\n`;
  const bad = await repo.commit(
    { ...tenObjects("2"), "app/other.yaml": null, "app/z.yaml": invalid },
    "invalid",
  );
  await refresh();
  const failed = await until(
    "the sync failed on the dry run",
    (a) =>
      a.status?.operationState?.phase === "Failed" && a.status.operationState.syncResult?.revision === bad,
  );
  assert.match(failed.status?.operationState?.message ?? "", /dry run.*Service\/broken/);
  await untouched("one invalid object of ten");

  // A good commit recovers.
  const fixed = await repo.commit({ "app/z.yaml": null }, "fix");
  await refresh();
  await until(
    "Synced at the fix",
    (a: Application) => a.status?.sync?.revision === fixed && a.status.sync.status === "Synced",
  );
  assert.equal(await configMapValue("cm-9"), "2");
});

test("syncPolicy.retry: a failed automated sync is tried again after its backoff, up to the limit", async (t) => {
  const repo = await repository(t);
  const invalid = `apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: 99999999\n`;
  const sha = await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/z.yaml": invalid }, "invalid");
  const { namespace, client, until } = await gitopsSetUp(t, "retry");
  await client.create(
    Applications,
    application(namespace, repo.url, {
      syncPolicy: {
        automated: {},
        retry: { limit: 2, backoff: { duration: "1s", factor: 2, maxDuration: "1m" } },
      },
    }),
    "test",
  );
  const first = await until(
    "the first attempt failed, its retry due",
    (a) => a.status?.operationState?.phase === "Failed",
  );
  const due = Date.parse(first.status?.operationState?.nextRetryAt ?? "");
  const ended = Date.parse(first.status?.operationState?.finishedAt ?? "");
  assert.ok(
    due - ended >= 1_000 * 2 ** (first.status?.operationState?.retryCount ?? 0) - 1,
    "backoff from the end",
  );
  const spent = await until(
    "failed after two retries",
    (a) => a.status?.operationState?.phase === "Failed" && a.status.operationState.retryCount === 2,
  );
  assert.equal(spent.status?.operationState?.syncResult?.revision, sha);
  assert.equal(spent.status?.operationState?.nextRetryAt, undefined, "no retry is left");
  const failures = (
    await client.list<KubeObject & { reason?: string; count?: number }>(Events, { namespace })
  ).items
    .filter((e) => e.reason === "SyncFailed")
    .reduce((n, e) => n + (e.count ?? 1), 0);
  assert.equal(failures, 3, "the first attempt and two retries");
});
