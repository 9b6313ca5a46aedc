// Ephemeral metadata: a ReplicaSet's role decides its pods' extra labels and annotations; a role
// change sets the new keys and removes only the keys the old role had put there.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import {
  EPHEMERAL_METADATA_ANNOTATION,
  metadataChanges,
  roleMetadata,
  withRoleMetadata,
} from "../../../src/rollout/ephemeral-metadata.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

const canary = (stableRS?: string): Rollout => ({
  spec: {
    selector: { matchLabels: { app: "web" } },
    strategy: {
      canary: {
        canaryMetadata: { labels: { role: "canary" }, annotations: { "team/canary": "yes" } },
        stableMetadata: { labels: { role: "stable" } },
      },
    },
  },
  status: stableRS ? { stableRS } : {},
});

const rs = (hash: string, record?: object): ReplicaSet => ({
  metadata: {
    name: `web-${hash}`,
    labels: { "rollouts-pod-template-hash": hash },
    annotations: record ? { [EPHEMERAL_METADATA_ANNOTATION]: JSON.stringify(record) } : {},
  },
});

test("the role: canary while updating, stable for the stable one and on first deploy", () => {
  assert.deepEqual(roleMetadata(canary("a"), "b")?.labels, { role: "canary" });
  assert.deepEqual(roleMetadata(canary("a"), "a")?.labels, { role: "stable" });
  assert.deepEqual(roleMetadata(canary(), "a")?.labels, { role: "stable" });
  const bg: Rollout = {
    spec: {
      strategy: {
        blueGreen: { previewMetadata: { labels: { p: "1" } }, activeMetadata: { labels: { a: "1" } } },
      },
    },
    status: { stableRS: "a" },
  };
  assert.deepEqual(roleMetadata(bg, "b")?.labels, { p: "1" });
  assert.deepEqual(roleMetadata(bg, "a")?.labels, { a: "1" });
});

test("promotion: the canary's keys go, the stable's come; nothing else is touched", () => {
  const changes = metadataChanges(
    canary("b"),
    [rs("b", { labels: { role: "canary" }, annotations: { "team/canary": "yes" } })],
    ["b"],
  );
  assert.deepEqual(changes, [
    {
      replicaSet: "web-b",
      hash: "b",
      labels: { role: "stable" },
      annotations: { "team/canary": null },
      record: JSON.stringify({ labels: { role: "stable" }, annotations: {} }),
    },
  ]);
});

test("no change when the record matches, or when none was ever wanted", () => {
  const stableRecord = { labels: { role: "stable" }, annotations: {} };
  assert.deepEqual(metadataChanges(canary("a"), [rs("a", stableRecord)], ["a"]), []);
  assert.deepEqual(metadataChanges({ spec: { strategy: { canary: {} } } }, [rs("a")], ["a"]), []);
});

test("a new ReplicaSet's template gets its role's keys; the selector's labels always win", () => {
  const rollout = canary("a");
  rollout.spec = {
    ...rollout.spec,
    strategy: { canary: { canaryMetadata: { labels: { role: "canary", app: "hijack" } } } },
  };
  const { template, record } = withRoleMetadata(rollout, "b", {
    metadata: { labels: { app: "web", tier: "fe" } },
  });
  assert.deepEqual(template.metadata?.labels, { app: "web", tier: "fe", role: "canary" });
  assert.equal(record, JSON.stringify({ labels: { role: "canary", app: "hijack" }, annotations: {} }));
  const change = metadataChanges(rollout, [rs("b")], ["b"])[0];
  assert.equal(change?.labels.app, undefined, "a selector label is never patched on pods");
});
