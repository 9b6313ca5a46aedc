// Deploy history, rollback views and rollback-aware sync marks (pure).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application, HistoryEntry } from "../../../src/api/application.ts";
import { isDeploy, withDeploy } from "../../../src/gitops/history.ts";
import { operationView, RESUME_ANNOTATION, suspensionAfter } from "../../../src/gitops/operation.ts";
import { abortedReason, failedHealth, failedRollouts } from "../../../src/gitops/rollback-aware.ts";

const deploy = (revision: string) => ({ revision, deployedAt: "2026-12-05T00:00:00Z" });

test("history: ids grow by one from 0, only the last revisionHistoryLimit (default 10) are kept", () => {
  let history: HistoryEntry[] | undefined;
  for (let i = 0; i < 12; i++) history = withDeploy(history, deploy(`r${i}`), undefined);
  assert.equal(history?.length, 10);
  assert.deepEqual(
    history?.map((h) => h.id),
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.deepEqual(
    withDeploy(history, deploy("x"), 3).map((h) => [h.id, h.revision]),
    [
      [10, "r10"],
      [11, "r11"],
      [12, "x"],
    ],
  );
  assert.equal(withDeploy([], deploy("a"), 0).length, 1, "a limit below 1 still keeps the deploy just made");
});

test("a deploy is a sync to a new revision, or any operation a person asked for", () => {
  const history = withDeploy(undefined, deploy("a"), undefined);
  assert.equal(isDeploy(history, "a", false), false, "self-heal at the same revision");
  assert.equal(isDeploy(history, "b", false), true);
  assert.equal(isDeploy(history, "a", true), true);
  assert.equal(isDeploy(undefined, "a", false), true);
});

const app = (extra: Partial<Application> = {}): Application => ({
  metadata: { name: "demo", namespace: "team" },
  spec: { source: { repoURL: "https://x/y", path: "now", targetRevision: "main" } },
  status: {
    history: [
      { id: 4, revision: "a".repeat(40), deployedAt: "t", source: { repoURL: "https://x/y", path: "then" } },
    ],
  },
  ...extra,
});

test("a rollback is a sync of the history entry's revision and source; an unknown id is an error", () => {
  const view = operationView(app({ operation: { rollback: { id: 4 } } }));
  assert.ok("app" in view);
  assert.equal(view.app.spec?.source?.path, "then");
  assert.deepEqual(view.app.operation?.sync, { revision: "a".repeat(40) });
  const missing = operationView(app({ operation: { rollback: { id: 9 } } }));
  assert.deepEqual(missing, { error: "rollback: history id 9 not found" });
  const plain = app({ operation: { sync: {} } });
  assert.deepEqual(operationView(plain), { app: plain });
});

test("automation: suspended by a successful rollback, resumed by the annotation or a sync operation", () => {
  const rolledBack = suspensionAfter(app({ operation: { rollback: { id: 4 } } }), { ok: true }, "now");
  assert.deepEqual(rolledBack, { reason: "rolled back to history id 4 (revision aaaaaaa)", at: "now" });
  assert.equal(suspensionAfter(app({ operation: { rollback: { id: 4 } } }), { ok: false }, "now"), undefined);
  const suspended = app();
  suspended.status = { ...suspended.status, sluice: { automationSuspended: { reason: "r", at: "t" } } };
  assert.deepEqual(suspensionAfter(suspended, undefined, "now"), { reason: "r", at: "t" }, "stays");
  assert.equal(suspensionAfter({ ...suspended, operation: { sync: {} } }, { ok: true }, "now"), undefined);
  const resumed = {
    ...suspended,
    metadata: { ...suspended.metadata, annotations: { [RESUME_ANNOTATION]: "" } },
  };
  assert.equal(suspensionAfter(resumed, undefined, "now"), undefined);
});

const rollout = (abort?: boolean, message?: string) => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web" },
  status: { ...(abort === undefined ? {} : { abort }), ...(message ? { message } : {}) },
});

test("rollback-aware: a Rollout aborted after a sync of this revision marks it; a new revision clears it", () => {
  const sha = "b".repeat(40);
  assert.equal(
    abortedReason("sluice.dev", rollout(true, "metric error-rate failed")),
    "metric error-rate failed",
  );
  assert.equal(abortedReason("sluice.dev", rollout(false)), undefined);
  assert.equal(abortedReason("apps", { ...rollout(true), kind: "Deployment" }), undefined);
  const seen = [{ name: "web", group: "sluice.dev", live: rollout(true, "aborted by a person") }];
  const marked = failedRollouts(undefined, seen, sha, sha, "now");
  assert.deepEqual(marked, [{ rollout: "web", revision: sha, reason: "aborted by a person", at: "now" }]);
  assert.deepEqual(failedRollouts(marked, seen, sha, sha, "later"), marked, "marked once");
  // Retried (no longer aborted) at the same revision: the mark stays until Git moves.
  assert.deepEqual(
    failedRollouts(marked, [{ ...seen[0], live: rollout(false) } as never], sha, sha, "x"),
    marked,
  );
  assert.deepEqual(failedRollouts(marked, seen, "c".repeat(40), sha, "x"), [], "a new commit clears it");
  assert.deepEqual(
    failedRollouts(undefined, seen, sha, "d".repeat(40), "x"),
    [],
    "not applied from this revision",
  );
  assert.match(
    failedHealth(marked)?.message ?? "",
    /Rollout web failed at revision bbbbbbb: aborted by a person/,
  );
  assert.equal(failedHealth([]), undefined);
});
