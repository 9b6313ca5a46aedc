import assert from "node:assert/strict";
import { test } from "node:test";
import { byLabel, byNamespace, byOwnerUid, keyOf, ObjectCache } from "../../../src/controller/cache.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const obj = (
  ns: string,
  name: string,
  extra: Partial<NonNullable<KubeObject["metadata"]>> = {},
): KubeObject => ({
  metadata: { namespace: ns, name, ...extra },
});

test("indexes follow upserts and removals", () => {
  const cache = new ObjectCache<KubeObject>({
    namespace: byNamespace,
    owner: byOwnerUid,
    app: byLabel("app"),
  });
  const owner = [{ apiVersion: "v1", kind: "X", name: "o", uid: "u1" }];
  cache.upsert(obj("a", "one", { labels: { app: "web" }, ownerReferences: owner }));
  cache.upsert(obj("a", "two", { labels: { app: "api" } }));
  cache.upsert(obj("b", "one", { labels: { app: "web" }, ownerReferences: owner }));
  assert.deepEqual(cache.byIndex("namespace", "a").map(keyOf).sort(), ["a/one", "a/two"]);
  assert.deepEqual(cache.byIndex("owner", "u1").map(keyOf).sort(), ["a/one", "b/one"]);
  assert.deepEqual(cache.byIndex("app", "web").map(keyOf).sort(), ["a/one", "b/one"]);

  // Relabel: the old index entry goes, the new one appears.
  const replaced = cache.upsert(obj("a", "one", { labels: { app: "api" } }));
  assert.equal(replaced?.metadata?.labels?.app, "web");
  assert.deepEqual(cache.byIndex("app", "web").map(keyOf), ["b/one"]);
  assert.deepEqual(cache.byIndex("app", "api").map(keyOf).sort(), ["a/one", "a/two"]);
  assert.deepEqual(cache.byIndex("owner", "u1").map(keyOf), ["b/one"]);

  cache.remove("b/one");
  assert.deepEqual(cache.byIndex("owner", "u1"), []);
  assert.equal(cache.size, 2);
  assert.throws(() => cache.byIndex("nope", "x"), /no index nope/);
});

test("cluster-scoped objects are keyed by name alone", () => {
  assert.equal(keyOf({ metadata: { name: "node-1" } }), "node-1");
  assert.equal(keyOf(obj("ns", "x")), "ns/x");
});
