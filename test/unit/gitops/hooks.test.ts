// Sync hooks as Argo CD reads them: which objects are hooks (its own annotation, Helm's mapped,
// Skip), their delete policies, the order a phase runs them in, names for generateName hooks, how
// far a live hook got, and that hooks stay out of the inventory a prune reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  classify,
  deleteAfter,
  hookPhaseOf,
  hookStatuses,
  nameGenerated,
  phasePlan,
  splitHooks,
} from "../../../src/gitops/apply/hooks.ts";
import { type Placed, place } from "../../../src/gitops/apply/placement.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const job = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, annotations },
});

const placed = (o: KubeObject): Placed => {
  const p = place(o, true, { name: "demo", destinationNamespace: "team" });
  assert.ok(!("refused" in p));
  return p;
};

test("argocd.argoproj.io/hook names the phases, comma-separated; unknown words are ignored", () => {
  assert.deepEqual(classify(job("m", { "argocd.argoproj.io/hook": "PreSync" })), {
    role: "hook",
    types: ["PreSync"],
    deletePolicies: ["BeforeHookCreation"],
  });
  const many = classify(job("m", { "argocd.argoproj.io/hook": "PreSync, PostSync,Bogus,PreSync" }));
  assert.deepEqual(many.role === "hook" && many.types, ["PreSync", "PostSync"]);
  // A hook of a phase sluice does not run is still a hook: never applied as an ordinary object.
  const preDelete = classify(job("m", { "argocd.argoproj.io/hook": "PreDelete" }));
  assert.deepEqual(preDelete.role === "hook" && preDelete.types, []);
  assert.deepEqual(classify(job("m")), { role: "ordinary" });
});

test("Skip alone is never applied; with another phase it is that phase's hook", () => {
  assert.deepEqual(classify(job("m", { "argocd.argoproj.io/hook": "Skip" })), { role: "skip" });
  const both = classify(job("m", { "argocd.argoproj.io/hook": "Skip,Sync" }));
  assert.deepEqual(both.role === "hook" && both.types, ["Sync"]);
});

test("Helm hooks map onto phases; crd-install is no hook; Argo CD's annotation wins", () => {
  const types = (a: Record<string, string>) => {
    const c = classify(job("m", a));
    return c.role === "hook" ? c.types : c.role;
  };
  assert.deepEqual(types({ "helm.sh/hook": "pre-install,pre-upgrade" }), ["PreSync"]);
  assert.deepEqual(types({ "helm.sh/hook": "post-install" }), ["PostSync"]);
  assert.deepEqual(types({ "helm.sh/hook": "post-upgrade,pre-install" }), ["PostSync", "PreSync"]);
  assert.deepEqual(types({ "helm.sh/hook": "test" }), []);
  assert.equal(types({ "helm.sh/hook": "crd-install" }), "ordinary");
  assert.deepEqual(types({ "helm.sh/hook": "pre-install", "argocd.argoproj.io/hook": "PostSync" }), [
    "PostSync",
  ]);
});

test("delete policies: Argo CD's and Helm's together, BeforeHookCreation when none", () => {
  const policies = (a: Record<string, string>) => {
    const c = classify(job("m", { "argocd.argoproj.io/hook": "Sync", ...a }));
    return c.role === "hook" ? c.deletePolicies : [];
  };
  assert.deepEqual(policies({}), ["BeforeHookCreation"]);
  assert.deepEqual(policies({ "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" }), ["HookSucceeded"]);
  assert.deepEqual(policies({ "helm.sh/hook-delete-policy": "hook-failed,before-hook-creation" }), [
    "HookFailed",
    "BeforeHookCreation",
  ]);
  assert.deepEqual(
    policies({
      "argocd.argoproj.io/hook-delete-policy": "Nope",
      "helm.sh/hook-delete-policy": "hook-succeeded",
    }),
    ["HookSucceeded"],
  );
});

test("deleteAfter: HookSucceeded after success, HookFailed after failure, never while running", () => {
  const spec = (deletePolicies: ("HookSucceeded" | "HookFailed" | "BeforeHookCreation")[]) => ({
    types: ["PreSync" as const],
    deletePolicies,
  });
  assert.equal(deleteAfter(spec(["HookSucceeded"]), "Succeeded"), true);
  assert.equal(deleteAfter(spec(["HookSucceeded"]), "Failed"), false);
  assert.equal(deleteAfter(spec(["HookFailed"]), "Failed"), true);
  assert.equal(deleteAfter(spec(["HookFailed"]), "Succeeded"), false);
  assert.equal(deleteAfter(spec(["BeforeHookCreation"]), "Succeeded"), false);
  assert.equal(deleteAfter(spec(["HookSucceeded", "HookFailed"]), "Running"), false);
});

test("splitHooks: ordinary objects, hooks with their spec, skipped objects", () => {
  const items = [
    job("plain"),
    job("pre", { "argocd.argoproj.io/hook": "PreSync" }),
    job("skipped", { "argocd.argoproj.io/hook": "Skip" }),
  ].map((o) => ({ placed: placed(o) }));
  const { ordinary, hooks, skipped } = splitHooks(items);
  assert.deepEqual(
    ordinary.map((o) => o.placed.object.metadata?.name),
    ["plain"],
  );
  assert.deepEqual(
    hooks.map((h) => [h.placed.object.metadata?.name, h.hook.types]),
    [["pre", ["PreSync"]]],
  );
  assert.deepEqual(
    skipped.map((o) => o.placed.object.metadata?.name),
    ["skipped"],
  );
});

test("phasePlan: only the phase's hooks, in waves (sync-wave, else Helm's weight), kinds then names in a wave", () => {
  const pod = (name: string, annotations: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations },
  });
  const items = [
    job("late", { "argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/sync-wave": "2" }),
    job("b", { "argocd.argoproj.io/hook": "PreSync" }),
    pod("z", { "argocd.argoproj.io/hook": "PreSync" }),
    job("a", { "argocd.argoproj.io/hook": "PreSync,PostSync" }),
    job("early", { "helm.sh/hook": "pre-install", "helm.sh/hook-weight": "-5" }),
    job("post", { "argocd.argoproj.io/hook": "PostSync" }),
  ];
  const { hooks } = splitHooks(items.map((o) => ({ placed: placed(o) })));
  const names = (phase: "PreSync" | "PostSync" | "SyncFail") =>
    phasePlan(hooks, phase).map((wave) => wave.map((h) => h.placed.object.metadata?.name));
  // Pods before Jobs (Argo CD's kind order), then by name.
  assert.deepEqual(names("PreSync"), [["early"], ["z", "a", "b"], ["late"]]);
  assert.deepEqual(names("PostSync"), [["a", "post"]]);
  assert.deepEqual(names("SyncFail"), []);
});

test("nameGenerated: a generateName hook gets a name from the revision and the sync's start; others are untouched", () => {
  const generated = {
    object: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { generateName: "Migrate-", annotations: { "argocd.argoproj.io/hook": "PreSync" } },
    } as KubeObject,
  };
  const plain = {
    object: { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "cm-" } } as KubeObject,
  };
  const [hook, other] = nameGenerated([generated, plain], "ABCDEF0123456789", 1_700_000_000_500);
  assert.equal(hook?.object.metadata?.name, "migrate-abcdef0-1700000000");
  assert.equal((hook?.object.metadata as { generateName?: string } | undefined)?.generateName, undefined);
  assert.equal(other, plain);
});

test("hookPhaseOf: Jobs by conditions, Pods by phase, other kinds by health", () => {
  const healthy = { status: "Healthy" };
  const withStatus = (o: KubeObject, status: unknown) => ({ ...o, status }) as KubeObject;
  const j = job("m");
  assert.equal(hookPhaseOf(withStatus(j, {}), healthy).phase, "Running");
  assert.equal(
    hookPhaseOf(withStatus(j, { conditions: [{ type: "Complete", status: "True" }] }), healthy).phase,
    "Succeeded",
  );
  assert.deepEqual(
    hookPhaseOf(
      withStatus(j, {
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
          },
        ],
      }),
      healthy,
    ),
    { phase: "Failed", message: "Job has reached the specified backoff limit" },
  );
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
  // A Running, Ready pod is not done: a hook pod ends.
  assert.equal(hookPhaseOf(withStatus(pod, { phase: "Running" }), healthy).phase, "Running");
  assert.equal(hookPhaseOf(withStatus(pod, { phase: "Succeeded" }), healthy).phase, "Succeeded");
  assert.equal(hookPhaseOf(withStatus(pod, { phase: "Failed" }), healthy).phase, "Failed");
  const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
  assert.deepEqual(hookPhaseOf(cm, healthy), { phase: "Succeeded", message: "ConfigMap/c created" });
  assert.equal(hookPhaseOf(cm, { status: "Progressing" }).phase, "Running");
  assert.deepEqual(hookPhaseOf(cm, { status: "Degraded", message: "broken" }), {
    phase: "Failed",
    message: "broken",
  });
});

test("hookStatuses: hooks listed with hook: true and no sync status", () => {
  const [status] = hookStatuses([{ placed: placed(job("m", { "argocd.argoproj.io/hook": "PreSync" })) }]);
  assert.deepEqual(status, {
    group: "batch",
    version: "v1",
    kind: "Job",
    namespace: "team",
    name: "m",
    hook: true,
  });
});
