import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject, WatchEvent } from "../../../src/kube/types.ts";
import { inVersionOrder } from "../../helpers/watch.ts";

const at = (name: string, resourceVersion: string): WatchEvent<KubeObject> => ({
  type: "MODIFIED",
  object: { metadata: { name, resourceVersion } },
});

test("inVersionOrder merges watches by resourceVersion as numbers, not strings", () => {
  const rollout = [at("web", "9"), at("web", "120")];
  const run = [at("run", "10"), at("run", "99"), at("run", "1000")];
  assert.deepEqual(
    inVersionOrder(rollout, run).map(
      (e) => `${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`,
    ),
    ["web@9", "run@10", "run@99", "web@120", "run@1000"],
  );
  assert.deepEqual(
    rollout.map((e) => e.object.metadata?.resourceVersion),
    ["9", "120"],
    "inputs untouched",
  );
});
