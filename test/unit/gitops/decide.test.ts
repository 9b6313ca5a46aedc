// When an Application syncs: operations always; automated once per revision; self-heal with
// backoff; never an automated prune of everything unless allowEmpty.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideSync, healDelayMs, retryDelayMs, type SyncInputs } from "../../../src/gitops/decide.ts";

const base: SyncInputs = {
  revision: "b".repeat(40),
  outOfSync: true,
  desiredCount: 3,
  pruneCount: 0,
  healAttempts: 0,
  nowMs: 1_000_000,
  automated: {},
};

test("an operation syncs whatever the policy and state, pruning only when it asks to", () => {
  for (const automated of [undefined, {}, { enabled: false }])
    for (const outOfSync of [true, false]) {
      assert.deepEqual(decideSync({ ...base, automated, outOfSync, operation: {} }), {
        action: "sync",
        prune: false,
        selfHeal: false,
      });
      assert.equal(
        (decideSync({ ...base, automated, outOfSync, operation: { prune: true } }) as { prune: boolean })
          .prune,
        true,
      );
    }
});

test("without automated sync (absent or enabled: false) nothing syncs by itself", () => {
  assert.equal(decideSync({ ...base, automated: undefined }).action, "none");
  assert.equal(decideSync({ ...base, automated: { enabled: false, selfHeal: true } }).action, "none");
});

test("automated: a Synced Application is left alone; a new revision syncs, pruning as the policy says", () => {
  assert.equal(decideSync({ ...base, outOfSync: false }).action, "none");
  const last = { revision: "a".repeat(40), phase: "Succeeded", finishedAtMs: base.nowMs - 10 };
  assert.deepEqual(decideSync({ ...base, last }), { action: "sync", prune: false, selfHeal: false });
  assert.deepEqual(decideSync({ ...base, last, automated: { prune: true } }), {
    action: "sync",
    prune: true,
    selfHeal: false,
  });
  // Even a failed attempt at an older revision does not hold back the new one.
  assert.equal(decideSync({ ...base, last: { ...last, phase: "Failed" } }).action, "sync");
});

test("automated: a failed sync at this revision is not repeated without selfHeal; drift is only shown", () => {
  const failed = { revision: base.revision, phase: "Failed", finishedAtMs: base.nowMs - 3_600_000 };
  const d = decideSync({ ...base, last: failed });
  assert.equal(d.action, "none");
  assert.match((d as { reason: string }).reason, /already failed/);
  const drift = decideSync({ ...base, last: { ...failed, phase: "Succeeded" } });
  assert.equal(drift.action, "none");
  assert.match((drift as { reason: string }).reason, /selfHeal is off/);
});

test("selfHeal: drift at the synced revision is healed once the backoff since the last sync has passed", () => {
  const automated = { selfHeal: true };
  const finishedAtMs = base.nowMs - 1_000;
  const last = { revision: base.revision, phase: "Succeeded", finishedAtMs };
  assert.deepEqual(decideSync({ ...base, automated, last }), {
    action: "wait",
    afterMs: 1_000,
    reason: "self-heal backoff",
  });
  assert.deepEqual(decideSync({ ...base, automated, last, nowMs: finishedAtMs + 2_000 }), {
    action: "sync",
    prune: false,
    selfHeal: true,
  });
  // Third heal in a row: 2 s × 3² = 18 s after the last sync.
  const third = decideSync({ ...base, automated, last, healAttempts: 2, nowMs: finishedAtMs + 17_000 });
  assert.deepEqual(third, { action: "wait", afterMs: 1_000, reason: "self-heal backoff" });
});

test("the self-heal backoff grows by three and stops at five minutes", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map(healDelayMs),
    [2_000, 6_000, 18_000, 54_000, 162_000, 300_000, 300_000, 300_000],
  );
});

test("an automated prune of everything is refused unless allowEmpty; other cases go ahead", () => {
  const empty = { ...base, desiredCount: 0, pruneCount: 4 };
  const refused = decideSync({ ...empty, automated: { prune: true } });
  assert.equal(refused.action, "refuse");
  assert.match((refused as { message: string }).message, /wipe out all resources.*allowEmpty/);
  assert.equal(decideSync({ ...empty, automated: { prune: true, allowEmpty: true } }).action, "sync");
  // Without prune nothing would be deleted; with nothing to prune nothing would be either.
  assert.equal(decideSync({ ...empty, automated: {} }).action, "sync");
  assert.equal(decideSync({ ...empty, pruneCount: 0, automated: { prune: true } }).action, "sync");
  // A person asking for it (an operation) is not refused.
  assert.equal(
    decideSync({ ...empty, automated: { prune: true }, operation: { prune: true } }).action,
    "sync",
  );
});

test("retry: a failed automated sync is tried again after its backoff, up to the limit (-1: no end)", () => {
  const retry = { limit: 2, durationMs: 5_000, factor: 2, maxDurationMs: 180_000 };
  const failed = {
    revision: base.revision,
    phase: "Failed",
    finishedAtMs: base.nowMs - 4_000,
    retryCount: 0,
  };
  assert.deepEqual(decideSync({ ...base, retry, last: failed }), {
    action: "wait",
    afterMs: 1_000,
    reason: "retry backoff",
  });
  assert.deepEqual(decideSync({ ...base, retry, last: { ...failed, finishedAtMs: base.nowMs - 5_000 } }), {
    action: "sync",
    prune: false,
    selfHeal: false,
    retry: true,
  });
  // Second retry waits 10 s; the limit of 2 stops the third.
  const second = decideSync({ ...base, retry, last: { ...failed, retryCount: 1 } });
  assert.deepEqual(second, { action: "wait", afterMs: 6_000, reason: "retry backoff" });
  const spent = decideSync({ ...base, retry, last: { ...failed, retryCount: 2 } });
  assert.equal(spent.action, "none");
  assert.match((spent as { reason: string }).reason, /retried 2 times \(limit 2\)/);
  const forever = { ...retry, limit: -1 };
  assert.equal(
    decideSync({ ...base, retry: forever, last: { ...failed, retryCount: 50, finishedAtMs: 0 } }).action,
    "sync",
  );
  assert.deepEqual(
    [0, 1, 2, 5, 10].map((n) => retryDelayMs(retry, n)),
    [5_000, 10_000, 20_000, 160_000, 180_000],
  );
});
