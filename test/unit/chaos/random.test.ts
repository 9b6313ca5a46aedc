import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSeed, seededRandom } from "../../chaos/random.ts";

const draws = (seed: number, n: number) => {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => r.next());
};

test("the same seed gives the same sequence, another seed another one", () => {
  assert.deepEqual(draws(42, 20), draws(42, 20));
  assert.notDeepEqual(draws(42, 20), draws(43, 20));
});

test("draws are in [0, 1) and spread over it", () => {
  const values = draws(7, 10_000);
  assert.ok(values.every((v) => v >= 0 && v < 1));
  const buckets = Array(10).fill(0);
  for (const v of values) buckets[Math.floor(v * 10)]++;
  // 1,000 expected per bucket; a broken generator (stuck, or in one half) is far off.
  assert.ok(
    buckets.every((n) => n > 850 && n < 1150),
    `buckets: ${buckets.join(",")}`,
  );
});

test("int stays within its bounds and reaches both ends", () => {
  const r = seededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(r.int(3, 6));
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  assert.throws(() => r.int(5, 4), /min <= max/);
  assert.throws(() => r.int(0.5, 4), /integers/);
});

test("pick returns an element and refuses an empty list", () => {
  const r = seededRandom(9);
  for (let i = 0; i < 50; i++) assert.ok(["a", "b"].includes(r.pick(["a", "b"])));
  assert.throws(() => r.pick([]), /empty/);
});

test("seed 0 and the largest seed work; a seed outside 32 bits is refused with the range", () => {
  assert.equal(draws(0, 3).length, 3);
  assert.equal(parseSeed("4294967295"), 4294967295);
  assert.equal(parseSeed("0"), 0);
  assert.throws(() => parseSeed("4294967296"), /0\.\.4294967295/);
  assert.throws(() => parseSeed("-1"), /integer/);
  assert.throws(() => parseSeed("abc"), /"abc"/);
});
