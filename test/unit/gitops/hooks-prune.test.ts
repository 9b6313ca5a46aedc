// Hooks are never pruned: a hook listed in status (hook: true) is no inventory entry, and a live
// object that is a hook is not a prune candidate even when an entry names it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application, ResourceStatus } from "../../../src/api/application.ts";
import { place } from "../../../src/gitops/apply/placement.ts";
import type { ObjectsContext } from "../../../src/gitops/objects.ts";
import { pruneCandidates } from "../../../src/gitops/objects.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const target = { name: "demo", destinationNamespace: "team" };

/** A live object as sluice would have created it from Git. */
function live(name: string, annotations: Record<string, string> = {}): KubeObject {
  const p = place({ apiVersion: "batch/v1", kind: "Job", metadata: { name, annotations } }, true, target);
  if ("refused" in p) throw new Error(p.refused);
  return p.object;
}

function contextWith(resources: ResourceStatus[], objects: KubeObject[]): ObjectsContext {
  const app: Application = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Application",
    metadata: { name: "demo", namespace: "team" },
    spec: {},
    status: { resources },
  } as Application;
  return {
    app,
    key: "team/demo",
    discovery: {
      resourceFor: async () => ({
        group: "batch",
        version: "v1",
        kind: "Job",
        plural: "jobs",
        namespaced: true,
      }),
    },
    live: {
      liveOf: async (_type: unknown, ref: { name: string }) =>
        objects.find((o) => o.metadata?.name === ref.name),
    },
    comparer: {},
  } as unknown as ObjectsContext;
}

const entry = (name: string, extra: Partial<ResourceStatus> = {}): ResourceStatus => ({
  group: "batch",
  version: "v1",
  kind: "Job",
  namespace: "team",
  name,
  ...extra,
});

test("an ordinary object Git left behind is a prune candidate; a hook listed in status is not", async () => {
  const ctx = contextWith(
    [entry("old", { status: "Synced" }), entry("smoke", { hook: true })],
    [live("old"), live("smoke", { "helm.sh/hook": "post-install" })],
  );
  const names = (await pruneCandidates(ctx, [])).map((c) => c.entry.name);
  assert.deepEqual(names, ["old"]);
});

test("a live hook is not pruned even when an inventory entry names it (no hook flag in status)", async () => {
  const ctx = contextWith(
    [entry("migrate", { status: "Synced" })],
    [live("migrate", { "argocd.argoproj.io/hook": "PreSync" })],
  );
  assert.deepEqual(await pruneCandidates(ctx, []), []);
});
