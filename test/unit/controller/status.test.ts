import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonEqual, mergePatchBetween, ResourceVersionTracker } from "../../../src/controller/status.ts";

test("mergePatchBetween: equal documents need no patch", () => {
  assert.equal(mergePatchBetween({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), undefined);
  assert.equal(mergePatchBetween({}, {}), undefined);
  assert.equal(mergePatchBetween({ a: undefined }, {}), undefined, "undefined keys are absent keys");
});

test("mergePatchBetween: changed, added and removed fields", () => {
  const from = { phase: "Progressing", replicas: 3, conditions: [{ type: "A" }], nested: { x: 1, y: 2 } };
  const to = {
    phase: "Healthy",
    replicas: 3,
    conditions: [{ type: "A" }, { type: "B" }],
    nested: { x: 1 },
    added: true,
  };
  assert.deepEqual(mergePatchBetween(from, to), {
    phase: "Healthy",
    conditions: [{ type: "A" }, { type: "B" }],
    nested: { y: null },
    added: true,
  });
});

test("mergePatchBetween: type changes replace the value, null deletes", () => {
  assert.deepEqual(mergePatchBetween({ a: { b: 1 } }, { a: 5 }), { a: 5 });
  assert.deepEqual(mergePatchBetween({ a: 5 }, { a: { b: 1 } }), { a: { b: 1 } });
  assert.deepEqual(mergePatchBetween({ a: [1] }, { a: [] }), { a: [] });
  assert.deepEqual(mergePatchBetween({ a: 1, b: 2 }, {}), { a: null, b: null });
});

test("jsonEqual compares structure, not key order", () => {
  assert.ok(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: "1" }));
  assert.ok(!jsonEqual(null, {}));
});

test("ResourceVersionTracker: a cache copy our write superseded is stale until the cache catches up", () => {
  const tracker = new ResourceVersionTracker();
  tracker.recordWrite("ns/a", "10", "11");
  assert.equal(tracker.isStale("ns/a", "10"), true, "the copy we wrote over");
  assert.equal(tracker.isStale("ns/b", "10"), false, "other objects unaffected");
  tracker.recordWrite("ns/a", "11", "12");
  assert.equal(tracker.isStale("ns/a", "11"), true, "our first write, superseded by our second");
  assert.equal(tracker.isStale("ns/a", "10"), true);
  assert.equal(tracker.isStale("ns/a", "12"), false, "the cache reached our latest write");
  assert.equal(tracker.isStale("ns/a", "10"), false, "and the record is dropped once caught up");
});

test("ResourceVersionTracker: a version newer than ours (someone else wrote) is not stale", () => {
  const tracker = new ResourceVersionTracker();
  tracker.recordWrite("k", "5", "6");
  assert.equal(tracker.isStale("k", "9"), false);
  tracker.recordWrite("k", "9", "10");
  tracker.forget("k");
  assert.equal(tracker.isStale("k", "9"), false);
});
