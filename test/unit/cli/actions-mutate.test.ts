// The shell around the deciders, against an in-memory API that answers 409 to a stale
// resourceVersion as the API server does: a conflict is met by reading again and deciding again.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import type { Fields } from "../../../src/cli/actions/decision.ts";
import { decideAbort } from "../../../src/cli/actions/lifecycle.ts";
import { decidePromote } from "../../../src/cli/actions/promote.ts";
import { MAX_ATTEMPTS, mutate, type RolloutStore } from "../../../src/cli/commands/mutate.ts";
import { CliError } from "../../../src/cli/errors.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import { applyMergePatch, pausedAtStep } from "./actions-fixtures.ts";

interface Sent {
  fields: Fields;
  subresource: string | undefined;
  resourceVersion: string | undefined;
}

/** One Rollout in memory; `meanwhile` runs once before a patch lands, as another writer would. */
class FakeApi implements RolloutStore {
  gets = 0;
  sent: Sent[] = [];
  /** One entry per patch, in order; undefined: no other writer before that one. */
  meanwhile: (((r: Rollout) => void) | undefined)[] = [];
  failWith: Error | undefined;

  constructor(private current: Rollout) {}

  get rollout(): Rollout {
    return structuredClone(this.current);
  }

  /** Another writer's change: a new resourceVersion. */
  change(edit: (r: Rollout) => void): void {
    edit(this.current);
    const rv = Number(this.current.metadata?.resourceVersion ?? 0) + 1;
    this.current.metadata = { ...this.current.metadata, resourceVersion: String(rv) };
  }

  async get(): Promise<Rollout> {
    this.gets++;
    return this.rollout;
  }

  async replicaSets() {
    return [];
  }

  async patch(
    _name: string,
    fields: Fields,
    options: { resourceVersion: string | undefined; subresource?: "status" },
  ) {
    const other = this.meanwhile.shift();
    if (other) this.change(other);
    this.sent.push({ fields, subresource: options.subresource, resourceVersion: options.resourceVersion });
    if (this.failWith) throw this.failWith;
    if (options.resourceVersion !== this.current.metadata?.resourceVersion) {
      throw new KubeError("Conflict", "the object has been modified", 409);
    }
    // The status subresource takes only status; the main resource ignores status.
    const part = options.subresource === "status" ? "status" : "spec";
    this.change((r) => {
      (r as Record<string, unknown>)[part] = applyMergePatch(r[part], fields[part]);
    });
    return this.rollout;
  }
}

test("a conflict re-reads and re-decides: the patch sent is the one the new state calls for", async () => {
  const api = new FakeApi(pausedAtStep(1));
  // Between the read and the patch, the rollout moves on by itself: a different pause is now due.
  api.meanwhile.push((r) => {
    r.status = { ...r.status, currentStepIndex: 3 };
  });
  const outcome = await mutate(api, "web", decidePromote);
  assert.equal(outcome.attempts, 2);
  assert.equal(api.gets, 2);
  assert.deepEqual(
    api.sent.map((s) => [s.subresource, s.resourceVersion]),
    [
      ["status", "100"],
      ["status", "101"],
    ],
    "the second patch carries the resourceVersion read again",
  );
  assert.equal(api.rollout.status?.pauseConditions, undefined);
  assert.equal(outcome.rollout.status?.currentStepIndex, 3, "decided from the state read the second time");
});

test("a conflict can turn the decision into a refusal: aborted meanwhile, promote is refused", async () => {
  const api = new FakeApi(pausedAtStep(1));
  api.meanwhile.push((r) => {
    r.status = { ...r.status, abort: true };
  });
  await assert.rejects(
    mutate(api, "web", decidePromote),
    (e: unknown) =>
      e instanceof CliError &&
      e.exitCode === 1 &&
      /is aborted: use `kubectl sluice retry rollout web`/.test(e.message),
  );
  assert.equal(api.rollout.status?.pauseConditions?.length, 1, "nothing written");
});

test("status, then spec with the resourceVersion the status write returned; a spec conflict re-decides only what is left", async () => {
  const api = new FakeApi(pausedAtStep(1, {}, { paused: true }));
  await mutate(api, "web", decidePromote);
  assert.deepEqual(api.sent, [
    { fields: { status: { pauseConditions: null } }, subresource: "status", resourceVersion: "100" },
    { fields: { spec: { paused: false } }, subresource: undefined, resourceVersion: "101" },
  ]);

  const racing = new FakeApi(pausedAtStep(1, {}, { paused: true }));
  racing.meanwhile.push(undefined); // the status write goes through
  racing.meanwhile.push((r) => {
    r.metadata = { ...r.metadata, annotations: { touched: "yes" } };
  });
  const outcome = await mutate(racing, "web", decidePromote);
  assert.equal(outcome.attempts, 2);
  assert.deepEqual(
    racing.sent.map((s) => s.fields),
    [{ status: { pauseConditions: null } }, { spec: { paused: false } }, { spec: { paused: false } }],
    "the pause conditions, cleared the first time, are not written again",
  );
  assert.equal(racing.rollout.spec?.paused, false);
});

test("a Rollout that changes under every attempt: the command gives up after a bounded number", async () => {
  const api = new FakeApi(pausedAtStep(1));
  for (let i = 0; i < MAX_ATTEMPTS; i++) api.meanwhile.push(() => undefined);
  await assert.rejects(mutate(api, "web", decideAbort), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(
      e.message,
      `rollout 'web' changed under each of ${MAX_ATTEMPTS} attempts to write it: try again`,
    );
    return true;
  });
  assert.equal(api.sent.length, MAX_ATTEMPTS);
  assert.equal(api.rollout.status?.abort, undefined);
});

test("errors other than a conflict are not retried; a no-op writes nothing", async () => {
  const api = new FakeApi(pausedAtStep(1));
  api.failWith = new KubeError("Forbidden", "rollouts.sluice.dev is forbidden", 403);
  await assert.rejects(mutate(api, "web", decideAbort), /forbidden/);
  assert.equal(api.sent.length, 1);

  const aborted = new FakeApi(pausedAtStep(1, { abort: true }));
  const outcome = await mutate(aborted, "web", decideAbort);
  assert.equal(outcome.decision.kind, "noop");
  assert.deepEqual(aborted.sent, []);
});
