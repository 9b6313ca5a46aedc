// The app renderers: `app get` and `app list` in Argo CD's terms, `app history` once recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderAppGet } from "../../../src/cli/render/app-get.ts";
import { renderAppHistory } from "../../../src/cli/render/app-history.ts";
import { destinationText, syncPolicyText } from "../../../src/cli/render/app-info.ts";
import { renderAppList } from "../../../src/cli/render/app-list.ts";
import { PLAIN, SYMBOLS } from "../../../src/cli/render/style.ts";
import { fresh, NOW, outOfSyncDegraded, SHA, syncedHealthy } from "./app-fixtures.ts";
import { assertGolden } from "./golden.ts";

test("app get: Synced and Healthy, the commit subject beside the revision, the last automated sync and each object", () => {
  assertGolden(
    "app-get-synced.txt",
    renderAppGet(syncedHealthy(), NOW, PLAIN, { subject: "web: bump to 1.4.2" }),
  );
});

test("app get: OutOfSync and Degraded with messages, a condition, a failed sync, a pending request, an object to prune", () => {
  const text = renderAppGet(outOfSyncDegraded(), NOW, PLAIN);
  assertGolden("app-get-degraded.txt", text);
  const row = text.split("\n").find((l) => l.includes("billing-legacy")) ?? "";
  assert.match(row, /OutOfSync\s+requires pruning/);
});

test("app get on a terminal marks the statuses with symbols; an Application never looked at says Unknown", () => {
  assertGolden("app-get-symbols.txt", renderAppGet(syncedHealthy(), NOW, SYMBOLS));
  const text = renderAppGet(fresh(), NOW, PLAIN);
  assert.match(text, /^Sync Status: +Unknown from HEAD$/m);
  assert.match(text, /^Health Status: +Unknown$/m);
  assert.doesNotMatch(text, /Revision:|Last Operation:/);
  assert.match(text, /No resources\./);
});

test("app list: the columns, sorted by name; -A puts NAMESPACE first and -o wide adds project, target, policy and conditions", () => {
  const apps = [syncedHealthy(), outOfSyncDegraded(), fresh()];
  assertGolden("app-list.txt", renderAppList(apps, NOW, { allNamespaces: false, wide: false }));
  assertGolden("app-list-all-wide.txt", renderAppList(apps, NOW, { allNamespaces: true, wide: true }));
  const [header, first] = renderAppList([syncedHealthy()], NOW, { allNamespaces: false, wide: false }).split(
    "\n",
  );
  assert.deepEqual(header?.split(/\s+/), [
    "NAME",
    "SYNC",
    "HEALTH",
    "REVISION",
    "REPO",
    "PATH",
    "DESTINATION",
    "AGE",
  ]);
  assert.deepEqual(first?.split(/\s+/).slice(0, 4), ["web", "Synced", "Healthy", SHA.slice(0, 7)]);
});

test("destination and sync policy in words", () => {
  const a = syncedHealthy();
  assert.equal(destinationText(a), "in-cluster/shop");
  if (a.spec?.destination) a.spec.destination = { server: "https://10.0.0.1:6443", namespace: "x" };
  assert.equal(destinationText(a), "https://10.0.0.1:6443/x");
  assert.equal(syncPolicyText(a), "Automated (Prune, SelfHeal)");
  if (a.spec?.syncPolicy) a.spec.syncPolicy = { automated: { enabled: false } };
  assert.equal(syncPolicyText(a), "Manual (automated disabled)");
  if (a.spec) a.spec.syncPolicy = {};
  assert.equal(syncPolicyText(a), "Manual");
});

test("app history: id order, when and who", () => {
  const text = renderAppHistory(
    [
      { id: 2, revision: SHA, deployedAt: "2026-03-01T11:00:00Z", initiatedBy: { username: "alice" } },
      { id: 1, revision: "9a8b7c6", deployedAt: "2026-02-28T12:00:00Z", initiatedBy: { automated: true } },
    ],
    NOW,
  );
  assertGolden("app-history.txt", text);
  assert.deepEqual(
    text
      .split("\n")
      .slice(1, 3)
      .map((l) => l.split(/\s+/)[0]),
    ["1", "2"],
  );
});
