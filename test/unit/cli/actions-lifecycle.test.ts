// abort, retry, pause and restart write one field each and refuse what would do nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideAbort, decidePause, decideRestart, decideRetry } from "../../../src/cli/actions/lifecycle.ts";
import { pausedAtStep, rollout, updating } from "./actions-fixtures.ts";

test("abort: status.abort true during an update; already aborted is a no-op; nothing to abort is refused", () => {
  assert.deepEqual(decideAbort(pausedAtStep(1)), {
    kind: "patch",
    message: "rollout 'web' aborted",
    status: { abort: true },
  });
  assert.deepEqual(decideAbort(updating({ abort: true })), {
    kind: "noop",
    message: "rollout 'web' is already aborted",
  });
  const nothing = { kind: "refuse", message: "rollout 'web' has no update in progress: nothing to abort" };
  assert.deepEqual(decideAbort(rollout()), nothing, "Healthy");
  assert.deepEqual(decideAbort(updating({ stableRS: undefined as never })), nothing, "first deploy");
});

test("retry: status.abort false on an aborted rollout only", () => {
  assert.deepEqual(decideRetry(updating({ abort: true })), {
    kind: "patch",
    message: "rollout 'web' retried",
    status: { abort: false },
  });
  assert.deepEqual(decideRetry(pausedAtStep(1)), {
    kind: "refuse",
    message: "rollout 'web' is not aborted: nothing to retry",
  });
  assert.equal(decideRetry(rollout({ abort: false })).kind, "refuse");
});

test("pause: spec.paused true, at any time (a Healthy rollout's next update then waits); twice is a no-op", () => {
  for (const r of [pausedAtStep(1), rollout(), updating({ abort: true })]) {
    assert.deepEqual(decidePause(r), {
      kind: "patch",
      message: "rollout 'web' paused",
      spec: { paused: true },
    });
  }
  assert.deepEqual(decidePause(rollout({}, { paused: true })), {
    kind: "noop",
    message: "rollout 'web' is already paused",
  });
});

test("restart: spec.restartAt in RFC 3339 to the second, and the peer's message", () => {
  const at = new Date("2026-03-01T12:00:09.750Z");
  assert.deepEqual(decideRestart(rollout(), at, "0s"), {
    kind: "patch",
    message: "rollout 'web' restarts in 0s",
    spec: { restartAt: "2026-03-01T12:00:09Z" },
  });
  assert.equal(decideRestart(rollout(), at, "10s").message, "rollout 'web' restarts in 10s");
});
