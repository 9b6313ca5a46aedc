// Rollouts indexed by the Services they name: a Service event wakes exactly those Rollouts.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ObjectCache } from "../../../src/controller/cache.ts";
import { byServiceNamed } from "../../../src/rollout/service-index.ts";

const rollout = (name: string, strategy: NonNullable<NonNullable<Rollout["spec"]>["strategy"]>): Rollout => ({
  metadata: { name, namespace: "ns" },
  spec: { strategy },
});

test("each Rollout is found by every Service it names, and by no other", () => {
  const cache = new ObjectCache<Rollout>({ services: byServiceNamed });
  for (const r of [
    rollout("c", { canary: { canaryService: "web-canary", stableService: "web-stable" } }),
    rollout("b", { blueGreen: { activeService: "web-active", previewService: "web-canary" } }),
    rollout("plain", { canary: {} }),
  ])
    cache.upsert(r);
  const names = (key: string) =>
    cache
      .byIndex("services", key)
      .map((r) => r.metadata?.name)
      .sort();
  assert.deepEqual(names("ns/web-canary"), ["b", "c"]);
  assert.deepEqual(names("ns/web-stable"), ["c"]);
  assert.deepEqual(names("ns/web-active"), ["b"]);
  assert.deepEqual(names("ns/other"), []);
  assert.deepEqual(names("other/web-canary"), [], "namespaced");
});
