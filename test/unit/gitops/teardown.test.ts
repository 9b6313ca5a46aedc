// What deleting an Application deletes and in which order: the reverse of the apply order (highest
// sync wave first, kinds reversed within a wave, Namespaces and CRDs last), only objects provably
// its own, and the resources finalizers it honours.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyOrder, type Placed, place } from "../../../src/gitops/apply/placement.ts";
import { type Found, resourcesFinalizer, teardownPlan } from "../../../src/gitops/apply/teardown.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const target = { name: "demo", destinationNamespace: "team" };
const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition"]);

/** An object as the Application applied it (tracking label and annotation), in `wave`. */
function applied(kind: string, name: string, wave?: number, apiVersion = "v1"): KubeObject {
  const annotations = wave === undefined ? {} : { "argocd.argoproj.io/sync-wave": String(wave) };
  const p = place({ apiVersion, kind, metadata: { name, annotations } }, !CLUSTER_SCOPED.has(kind), target);
  if ("refused" in p) throw new Error(p.refused);
  return p.object;
}

const found = (live: KubeObject | undefined, kind: string, name: string, group = ""): Found<string> => ({
  entry: {
    group,
    version: "v1",
    kind,
    ...(CLUSTER_SCOPED.has(kind) ? {} : { namespace: "team" }),
    name,
  },
  live,
  type: `${kind}/${name}`,
});

const of = (o: KubeObject, group = "") => found(o, o.kind ?? "", o.metadata?.name ?? "", group);
const steps = (plan: ReturnType<typeof teardownPlan<string>>) =>
  plan.steps.map((s) => `${s.last ? "last " : ""}${s.wave}: ${s.objects.map((o) => o.type).join(" ")}`);

test("steps: highest sync wave first, kinds reversed within a wave, Namespaces and CRDs last", () => {
  const inventory = [
    of(applied("Namespace", "team", 0)),
    of(
      applied("CustomResourceDefinition", "widgets.example.com", 0, "apiextensions.k8s.io/v1"),
      "apiextensions.k8s.io",
    ),
    of(applied("ConfigMap", "config", 0)),
    of(applied("Service", "web", 1)),
    of(applied("Deployment", "web", 1, "apps/v1"), "apps"),
    of(applied("ServiceAccount", "web", 1)),
    of(applied("ConfigMap", "late-b", 2)),
    of(applied("ConfigMap", "late-a", 2)),
    of(applied("Secret", "early", -1)),
  ];
  assert.deepEqual(steps(teardownPlan("demo", inventory)), [
    "2: ConfigMap/late-b ConfigMap/late-a",
    "1: Deployment/web Service/web ServiceAccount/web",
    "0: ConfigMap/config",
    "-1: Secret/early",
    "last 0: CustomResourceDefinition/widgets.example.com Namespace/team",
  ]);
});

test("the deletion order is exactly the apply order reversed", () => {
  const objects = [
    applied("Role", "r", 3),
    applied("RoleBinding", "rb", 3),
    applied("ConfigMap", "c", 3),
    applied("Namespace", "team", 5),
    applied("Ingress", "i", 0, "networking.k8s.io/v1"),
    applied("Widget", "w", 0, "example.com/v1"),
    applied("Service", "s", 0),
  ];
  const placed: Placed[] = objects.map((object) => ({
    object,
    group: "",
    version: "v1",
    namespaced: !CLUSTER_SCOPED.has(object.kind ?? ""),
  }));
  const applyNames = applyOrder(placed).map((p) => `${p.object.kind}/${p.object.metadata?.name}`);
  const plan = teardownPlan(
    "demo",
    objects.map((o) => of(o)),
  );
  const deleteNames = plan.steps.flatMap((s) => s.objects.map((o) => o.type));
  assert.deepEqual(deleteNames, [...applyNames].reverse());
  assert.deepEqual(steps(plan), [
    "3: RoleBinding/rb Role/r ConfigMap/c",
    "0: Widget/w Ingress/i Service/s",
    "last 5: Namespace/team",
  ]);
});

test("only objects provably the Application's: another Application's, a copy, an untracked one and a gone one are left out", () => {
  const mine = applied("ConfigMap", "mine", 1);
  const theirs = applied("ConfigMap", "theirs", 1);
  theirs.metadata = {
    ...theirs.metadata,
    labels: { "sluice.dev/application": "other" },
    annotations: { "sluice.dev/tracking-id": "other:/ConfigMap:team/theirs" },
  };
  const copy = { ...applied("ConfigMap", "mine", 1), metadata: { ...mine.metadata, name: "copy" } };
  const untracked: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "plain", namespace: "team" },
  };
  const plan = teardownPlan("demo", [
    of(mine),
    of(theirs),
    of(copy),
    of(untracked),
    found(undefined, "ConfigMap", "gone"),
  ]);
  assert.deepEqual(steps(plan), ["1: ConfigMap/mine"]);
  assert.deepEqual(plan.kept, []);
});

test("Delete=false keeps an owned object out of the steps (it is orphaned instead); nothing left means no steps", () => {
  const kept = applied("ConfigMap", "keep", 0);
  kept.metadata = {
    ...kept.metadata,
    annotations: {
      ...kept.metadata?.annotations,
      "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
    },
  };
  const plan = teardownPlan("demo", [of(kept), of(applied("ConfigMap", "go", 0))]);
  assert.deepEqual(steps(plan), ["0: ConfigMap/go"]);
  assert.deepEqual(
    plan.kept.map((k) => k.type),
    ["ConfigMap/keep"],
  );
  assert.deepEqual(teardownPlan("demo", [found(undefined, "ConfigMap", "go")]), { steps: [], kept: [] });
});

test("resources finalizers: Argo CD's (plain, /foreground, /background) and sluice's; others are not", () => {
  assert.deepEqual(resourcesFinalizer(["x", "resources-finalizer.argocd.argoproj.io"]), {
    finalizer: "resources-finalizer.argocd.argoproj.io",
    propagation: "Foreground",
  });
  assert.equal(
    resourcesFinalizer(["resources-finalizer.argocd.argoproj.io/foreground"])?.propagation,
    "Foreground",
  );
  assert.deepEqual(resourcesFinalizer(["resources-finalizer.argocd.argoproj.io/background"]), {
    finalizer: "resources-finalizer.argocd.argoproj.io/background",
    propagation: "Background",
  });
  assert.equal(resourcesFinalizer(["sluice.dev/resources-finalizer"])?.propagation, "Foreground");
  assert.equal(resourcesFinalizer(["sluice.dev/restore-stable-services"]), undefined);
  assert.equal(resourcesFinalizer(["resources-finalizer.argocd.argoproj.io/orphan"]), undefined);
  assert.equal(resourcesFinalizer(undefined), undefined);
});
