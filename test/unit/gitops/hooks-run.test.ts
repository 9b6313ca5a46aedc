// The order a sync with hooks runs in, on a fake API client that records each call: Sync hooks
// after the objects, HookFailed deleting a failed hook, SyncFail after a failure, and the bounded
// wait giving up on a hook that keeps running.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runSyncWithHooks } from "../../../src/gitops/apply/hook-run.ts";
import { splitHooks } from "../../../src/gitops/apply/hooks.ts";
import { place } from "../../../src/gitops/apply/placement.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import type { ResourceType } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const JOBS: ResourceType = { group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true };
const CMS: ResourceType = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

const placed = (o: KubeObject) => {
  const p = place(o, true, { name: "demo", destinationNamespace: "team" });
  if ("refused" in p) throw new Error(p.refused);
  return p;
};
const hookJob = (name: string, annotations: Record<string, string>) => ({
  placed: placed({ apiVersion: "batch/v1", kind: "Job", metadata: { name, annotations } }),
  type: JOBS,
});

/** A fake client: created Jobs end as `outcome` says (or keep running); every call is logged. */
function fakeClient(outcome: Record<string, "Complete" | "Failed" | "Running">) {
  const calls: string[] = [];
  const objects = new Map<string, KubeObject>();
  const notFound = () => new KubeError("NotFound", "not found", 404);
  const client = {
    apply: async (_t: ResourceType, body: KubeObject, _m: string, o: { dryRun?: boolean } = {}) => {
      calls.push(`${o.dryRun ? "dry-run" : "apply"} ${body.metadata?.name}`);
      return body;
    },
    create: async (_t: ResourceType, body: KubeObject) => {
      calls.push(`create ${body.metadata?.name}`);
      const name = body.metadata?.name ?? "";
      const ended = outcome[name];
      const conditions =
        ended && ended !== "Running" ? [{ type: ended, status: "True", message: `${name} ${ended}` }] : [];
      objects.set(name, { ...body, status: { conditions } } as KubeObject);
      return body;
    },
    get: async (_t: ResourceType, ref: { name: string }) => {
      const o = objects.get(ref.name);
      if (!o) throw notFound();
      return o;
    },
    delete: async (_t: ResourceType, ref: { name: string }) => {
      calls.push(`delete ${ref.name}`);
      if (!objects.delete(ref.name)) throw notFound();
    },
  };
  return { client: client as unknown as KubeClient, calls };
}

const cm = placed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } });
const plan = {
  apply: [{ entry: { group: "", version: "v1", kind: "ConfigMap", name: "a" }, type: CMS, body: cm.object }],
  prune: [],
};

test("PreSync before the apply, Sync hooks after it; a failed Sync hook fails the sync, HookFailed deletes it, SyncFail runs", async () => {
  const { client, calls } = fakeClient({ pre: "Complete", sync: "Failed", onfail: "Complete" });
  const { hooks } = splitHooks([
    hookJob("pre", { "argocd.argoproj.io/hook": "PreSync" }),
    hookJob("sync", {
      "argocd.argoproj.io/hook": "Sync",
      "argocd.argoproj.io/hook-delete-policy": "HookFailed",
    }),
    hookJob("onfail", { "argocd.argoproj.io/hook": "SyncFail" }),
  ]);
  const outcome = await runSyncWithHooks({ client, hooks, desired: [], pollMs: 1 }, plan);
  assert.deepEqual(calls, [
    "dry-run a",
    "delete pre",
    "create pre",
    "apply a",
    "create sync",
    "delete sync",
    "delete onfail",
    "create onfail",
  ]);
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /^Sync hook Job\/sync failed: sync Failed/);
  assert.deepEqual(
    outcome.resources.map((r) => [r.name, "hookPhase" in r ? r.hookPhase : r.status]),
    [
      ["pre", "Succeeded"],
      ["a", "Synced"],
      ["sync", "Failed"],
      ["onfail", "Succeeded"],
    ],
  );
});

test("a hook still running at the deadline fails the sync and is recorded Running; nothing is applied", async () => {
  const { client, calls } = fakeClient({ pre: "Running" });
  const { hooks } = splitHooks([hookJob("pre", { "argocd.argoproj.io/hook": "PreSync" })]);
  const outcome = await runSyncWithHooks({ client, hooks, desired: [], pollMs: 1, timeoutMs: 30 }, plan);
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /PreSync hook Job\/pre failed: still running after/);
  assert.ok(!calls.includes("apply a"));
  const [pre] = outcome.resources;
  assert.equal(pre && "hookPhase" in pre ? pre.hookPhase : undefined, "Running");
});
