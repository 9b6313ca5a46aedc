import assert from "node:assert/strict";
import { test } from "node:test";
import { ExponentialRateLimiter, jitteredBackoff } from "../../../src/controller/backoff.ts";

test("per-key backoff doubles from the base delay up to the cap", () => {
  const limiter = new ExponentialRateLimiter<string>(5, 1000);
  const delays = Array.from({ length: 10 }, () => limiter.when("a"));
  assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
  assert.equal(limiter.numRequeues("a"), 10);
});

test("keys back off independently and forget resets one key", () => {
  const limiter = new ExponentialRateLimiter<string>(1, 10_000);
  limiter.when("a");
  limiter.when("a");
  limiter.when("a");
  assert.equal(limiter.when("b"), 1, "b has its own count");
  assert.equal(limiter.when("a"), 8);
  limiter.forget("a");
  assert.equal(limiter.numRequeues("a"), 0);
  assert.equal(limiter.when("a"), 1, "a success resets to the base delay");
  assert.equal(limiter.when("b"), 2, "forgetting a left b alone");
});

test("the cap holds after very many failures (no overflow to Infinity or NaN)", () => {
  const limiter = new ExponentialRateLimiter<string>(5, 30_000);
  let last = 0;
  for (let i = 0; i < 2000; i++) last = limiter.when("k");
  assert.equal(last, 30_000);
});

test("jittered backoff stays within [delay/2, delay] of the capped exponential", () => {
  assert.equal(
    jitteredBackoff(1, 500, 30_000, () => 0),
    250,
  );
  assert.equal(
    jitteredBackoff(1, 500, 30_000, () => 1),
    500,
  );
  assert.equal(
    jitteredBackoff(3, 500, 30_000, () => 1),
    2000,
  );
  assert.equal(
    jitteredBackoff(20, 500, 30_000, () => 1),
    30_000,
  );
  assert.equal(
    jitteredBackoff(20, 500, 30_000, () => 0),
    15_000,
  );
  for (let attempt = 1; attempt < 12; attempt++) {
    const d = jitteredBackoff(attempt, 500, 30_000);
    const cap = Math.min(500 * 2 ** (attempt - 1), 30_000);
    assert.ok(d >= cap / 2 && d <= cap, `attempt ${attempt}: ${d}`);
  }
});
