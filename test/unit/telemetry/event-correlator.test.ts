// Folding repeated Events: within the window a repeat patches the Event already written; after
// it, or for another object/type/reason/message, a new Event is created; memory is bounded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EventCorrelator } from "../../../src/telemetry/event-correlator.ts";

const seen = (count: number, lastSeenMs: number) => ({
  namespace: "ns",
  name: "web.1",
  count,
  firstTimestamp: "2026-11-26T10:00:00.000Z",
  lastSeenMs,
});

test("a repeat within the window patches; after it, a new Event", () => {
  const c = new EventCorrelator(1000, 10);
  const key = EventCorrelator.key("uid-1", "Warning", "InvalidSpec", "bad");
  assert.deepEqual(c.decide(key, 0), { action: "create" });
  c.remember(key, seen(1, 0));
  assert.deepEqual(c.decide(key, 1000), { action: "patch", seen: seen(1, 0) });
  c.remember(key, seen(2, 1000));
  assert.deepEqual(c.decide(key, 1999), { action: "patch", seen: seen(2, 1000) }, "the window slides");
  assert.deepEqual(c.decide(key, 2001), { action: "create" });
});

test("object, type, reason and message all tell Events apart", () => {
  const c = new EventCorrelator();
  const base = ["uid-1", "Normal", "ScalingReplicaSet", "Scaled web-a to 1"] as const;
  c.remember(EventCorrelator.key(...base), seen(1, 0));
  for (const i of [0, 1, 2, 3]) {
    const other = [...base] as string[];
    other[i] = `${other[i]}x`;
    const [uid, type, reason, message] = other as [string, string, string, string];
    assert.deepEqual(
      c.decide(EventCorrelator.key(uid, type, reason, message), 1),
      { action: "create" },
      `field ${i}`,
    );
  }
});

test("memory is bounded: the least recently seen key goes first", () => {
  const c = new EventCorrelator(60_000, 3);
  for (const k of ["a", "b", "c"]) c.remember(k, seen(1, 0));
  c.remember("a", seen(2, 1)); // a is now the most recent
  c.remember("d", seen(1, 2));
  assert.equal(c.size, 3);
  assert.equal(c.decide("b", 3).action, "create", "b was the least recently seen");
  assert.equal(c.decide("a", 3).action, "patch");
  c.forget("a");
  assert.equal(c.decide("a", 3).action, "create");
});
