import assert from "node:assert/strict";
import { test } from "node:test";
import { clockReaches, pending, WaitTimeoutError, waitFor } from "../../helpers/wait.ts";

test("waitFor returns the first non-pending value", async () => {
  let calls = 0;
  const value = await waitFor("three calls", () => (++calls === 3 ? "done" : pending(`call ${calls}`)), {
    intervalMs: 1,
  });
  assert.equal(value, "done");
  assert.equal(calls, 3);
});

test("waitFor fails with what it waited for and what it last saw", async () => {
  await assert.rejects(
    waitFor("the moon", () => pending("only clouds"), { timeoutMs: 30, intervalMs: 5 }),
    (error: Error) =>
      error instanceof WaitTimeoutError &&
      /waiting for the moon/.test(error.message) &&
      /last seen: only clouds/.test(error.message),
  );
});

test("waitFor treats a throwing probe as pending and reports its error", async () => {
  let calls = 0;
  const value = await waitFor(
    "recovery",
    () => {
      if (++calls < 3) throw new Error("connection refused");
      return 42;
    },
    { intervalMs: 1 },
  );
  assert.equal(value, 42);
  await assert.rejects(
    waitFor(
      "never",
      () => {
        throw new Error("boom\nstack");
      },
      { timeoutMs: 20, intervalMs: 5 },
    ),
    /last seen: error: boom$/,
  );
});

test("waitFor accepts falsy values other than pending as done", async () => {
  assert.equal(await waitFor("zero", () => 0), 0);
  assert.equal(await waitFor("false", () => false), false);
});

test("clockReaches waits until the clock reads the time asked, however late each timer fires", async () => {
  const readings = [100, 104, 109, 110];
  const clock = () => readings.shift() ?? 110;
  await clockReaches(110, clock);
  assert.deepEqual(readings, [], "read until it reached 110");
  const past = [500];
  await clockReaches(110, () => past.shift() ?? 500);
  assert.deepEqual(past, [], "one reading when the time has passed");
});
