// Which objects a sync dry-runs before applying (apply/sync.ts), on a fake API client that logs
// each call: never a body the look's comparison already dry-ran, never the first object applied
// (its apply fails as its dry run would) — and a refused object ends the sync exactly as before:
// the first refused in plan order named, nothing applied.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync, type SyncPlan, type ToApply } from "../../../src/gitops/apply/sync.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import type { ResourceType } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const CMS: ResourceType = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

const toApply = (name: string, extra: Partial<ToApply> = {}): ToApply => ({
  entry: { group: "", version: "v1", kind: "ConfigMap", namespace: "team", name },
  type: CMS,
  body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "team" } },
  ...extra,
});

/** A fake client that refuses the objects named in `invalid` (dry run or not); every call logged. */
function fakeClient(invalid: string[] = []) {
  const calls: string[] = [];
  const refuse = (name: string) => {
    if (invalid.includes(name)) throw new KubeError("Invalid", `ConfigMap "${name}" is invalid`, 422);
  };
  const client = {
    apply: async (_t: ResourceType, body: KubeObject, _m: string, o: { dryRun?: boolean } = {}) => {
      const name = body.metadata?.name ?? "";
      calls.push(`${o.dryRun ? "dry-run" : "apply"} ${name}`);
      refuse(name);
      return body;
    },
    create: async (_t: ResourceType, body: KubeObject) => {
      calls.push(`create ${body.metadata?.name}`);
      refuse(body.metadata?.name ?? "");
      return body;
    },
  };
  return { client: client as unknown as KubeClient, calls };
}

const plan = (apply: ToApply[], extra: Partial<SyncPlan> = {}): SyncPlan => ({ apply, prune: [], ...extra });

test("objects not live yet: all but the first applied are dry-run, then all applied in order", async () => {
  const { client, calls } = fakeClient();
  const outcome = await runSync(client, plan([toApply("a"), toApply("b"), toApply("c")]));
  assert.equal(outcome.ok, true);
  assert.deepEqual(calls, ["dry-run b", "dry-run c", "apply a", "apply b", "apply c"]);
});

test("a body the look's comparison dry-ran is not dry-run again", async () => {
  const { client, calls } = fakeClient();
  const outcome = await runSync(
    client,
    plan([toApply("a", { dryRunAccepted: true }), toApply("b", { dryRunAccepted: true }), toApply("c")]),
  );
  assert.equal(outcome.ok, true);
  assert.deepEqual(calls, ["dry-run c", "apply a", "apply b", "apply c"]);
});

test("the first object refused by its apply ends the sync as its dry run did: named, nothing applied", async () => {
  const { client, calls } = fakeClient(["a"]);
  const outcome = await runSync(client, plan([toApply("a"), toApply("b")]));
  assert.deepEqual(outcome, {
    ok: false,
    message: 'one or more objects failed to apply (dry run): ConfigMap/a: ConfigMap "a" is invalid',
    resources: [
      { ...toApply("a").entry, status: "SyncFailed", message: 'ConfigMap "a" is invalid' },
      { ...toApply("b").entry, status: "SyncFailed", message: "not applied" },
    ],
  });
  assert.deepEqual(calls, ["dry-run b", "apply a"]);
});

test("when another object is refused, the first is dry-run too: the first refused in plan order is named", async () => {
  const { client, calls } = fakeClient(["a", "c"]);
  const outcome = await runSync(client, plan([toApply("a"), toApply("b"), toApply("c")]));
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /\(dry run\): ConfigMap\/a:/);
  assert.ok(!calls.some((c) => c.startsWith("apply")), "nothing applied");
  const other = await runSync(fakeClient(["c"]).client, plan([toApply("a"), toApply("b"), toApply("c")]));
  assert.match(other.message, /\(dry run\): ConfigMap\/c:/);
  assert.deepEqual(
    other.resources.map((r) => [r.name, r.message]),
    [
      ["a", "not applied"],
      ["b", "not applied"],
      ["c", 'ConfigMap "c" is invalid'],
    ],
  );
});

test("everything is dry-run when something runs before the first apply (PreSync) or it is not a server-side apply (Replace=true)", async () => {
  const hooked = fakeClient();
  await runSync(hooked.client, plan([toApply("a"), toApply("b")], { beforeApply: async () => undefined }));
  assert.deepEqual(hooked.calls, ["dry-run a", "dry-run b", "apply a", "apply b"]);
  const replaced = fakeClient();
  await runSync(
    replaced.client,
    plan([toApply("a", { replace: { liveResourceVersion: undefined } }), toApply("b")]),
  );
  assert.deepEqual(replaced.calls, ["dry-run a", "dry-run b", "create a", "apply b"]);
});
