import assert from "node:assert/strict";
import { test } from "node:test";
import { ExponentialRateLimiter } from "../../../src/controller/backoff.ts";
import { WorkQueue } from "../../../src/controller/queue.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function queue() {
  const clock = new FakeClock();
  return { clock, q: new WorkQueue({ clock, rateLimiter: new ExponentialRateLimiter(10, 1000) }) };
}

test("a key added many times is queued once, in FIFO order with others", async () => {
  const { q } = queue();
  q.add("a");
  q.add("b");
  q.add("a");
  q.add("c");
  q.add("b");
  assert.equal(q.length, 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ["a", "b", "c"]);
});

test("a key is never handed to two workers at once; re-adds while processing run after done", async () => {
  const { q } = queue();
  q.add("a");
  const first = await q.get();
  assert.equal(first, "a");
  q.add("a");
  q.add("a");
  assert.equal(q.length, 0, "not queued while a worker holds it");
  let second: string | undefined;
  void q.get().then((k) => {
    second = k;
  });
  await Promise.resolve();
  assert.equal(second, undefined, "a second worker waits");
  q.done("a");
  await Promise.resolve();
  assert.equal(second, "a", "processed once more after done");
  q.done("a");
  assert.equal(q.length, 0, "and only once");
});

test("addAfter delays a key and keeps the earliest due time", async () => {
  const { q, clock } = queue();
  q.addAfter("a", 100);
  q.addAfter("a", 500);
  q.addAfter("a", 50);
  assert.equal(q.length, 0);
  assert.equal(clock.pendingTimers, 1, "one timer per key");
  clock.advance(49);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "a");
});

test("addRateLimited backs off per key and forget resets it", () => {
  const { q, clock } = queue();
  q.addRateLimited("a");
  clock.advance(9);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1, "first retry after the 10ms base delay");
  q.addRateLimited("b");
  q.addRateLimited("b");
  assert.equal(q.numRequeues("b"), 2);
  q.forget("b");
  assert.equal(q.numRequeues("b"), 0);
});

test("addAfter with zero or negative delay adds at once", () => {
  const { q } = queue();
  q.addAfter("a", 0);
  q.addAfter("b", -5);
  assert.equal(q.length, 2);
});

test("shutdown wakes waiting workers, refuses adds, drains in-flight keys", async () => {
  const { q, clock } = queue();
  q.add("busy");
  const busy = await q.get();
  const waiter = q.get();
  q.addAfter("later", 100);
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => {
    drained = true;
  });
  assert.equal(await waiter, undefined);
  q.add("new");
  clock.advance(1000);
  assert.equal(q.length, 0, "no adds after shutdown, delayed keys dropped");
  await Promise.resolve();
  assert.equal(drained, false, "waits for the in-flight key");
  q.done(busy ?? "");
  await drain;
  assert.equal(drained, true);
  assert.equal(await q.get(), undefined);
});

test("metrics see adds, retries, depth and durations", async () => {
  const clock = new FakeClock();
  const seen = { adds: 0, retries: 0, depth: [] as number[], latency: [] as number[], work: [] as number[] };
  const q = new WorkQueue({
    clock,
    metrics: {
      added: () => seen.adds++,
      retried: () => seen.retries++,
      depth: (n) => seen.depth.push(n),
      latency: (s) => seen.latency.push(s),
      workDuration: (s) => seen.work.push(s),
    },
  });
  q.add("a");
  q.add("a");
  clock.advance(250);
  const key = await q.get();
  clock.advance(1500);
  assert.equal(q.longestRunningSeconds(), 1.5);
  q.done(key ?? "");
  q.addRateLimited("a");
  assert.equal(seen.adds, 1, "a deduplicated add is not counted");
  assert.equal(seen.retries, 1);
  assert.deepEqual(seen.latency, [0.25]);
  assert.deepEqual(seen.work, [1.5]);
  assert.equal(seen.depth.at(-1), 0);
  assert.equal(q.longestRunningSeconds(), 0);
});

test("keys still queued at shutdown are not handed out: only the running ones finish", async () => {
  const { q } = queue();
  q.add("running");
  q.add("queued");
  const running = await q.get();
  const drain = q.shutDownWithDrain();
  assert.equal(await q.get(), undefined, "a queued key is not started once shutting down");
  q.done(running ?? "");
  await drain;
});
