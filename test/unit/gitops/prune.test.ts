// What an Application may prune: what Git left behind of its last inventory, and only objects that
// are provably its own (label naming it and a tracking annotation naming the object itself).
import assert from "node:assert/strict";
import { test } from "node:test";
import { place } from "../../../src/gitops/apply/placement.ts";
import {
  leftBehind,
  objectSyncOptions,
  provablyOwned,
  pruneDisabled,
} from "../../../src/gitops/apply/prune.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const target = { name: "demo", destinationNamespace: "team" };
const placed = (kind: string, name: string) => {
  const p = place({ apiVersion: "v1", kind, metadata: { name } }, true, target);
  if ("refused" in p) throw new Error(p.refused);
  return p;
};
const entry = (kind: string, name: string, group = "") => ({
  group,
  version: "v1",
  kind,
  namespace: "team",
  name,
});

test("left behind: inventory entries Git no longer holds, each once; kind and group count", () => {
  const inventory = [
    entry("ConfigMap", "a"),
    entry("ConfigMap", "b"),
    entry("ConfigMap", "b"),
    entry("Service", "a"),
    entry("ConfigMap", "a", "other.example.com"),
  ];
  assert.deepEqual(leftBehind(inventory, [placed("ConfigMap", "a")]), [
    entry("ConfigMap", "b"),
    entry("Service", "a"),
    entry("ConfigMap", "a", "other.example.com"),
  ]);
  assert.deepEqual(leftBehind([], [placed("ConfigMap", "a")]), []);
});

test("provably owned: the tracking label names the Application and the annotation names this object", () => {
  const ours = placed("ConfigMap", "b").object;
  assert.equal(provablyOwned("demo", ours), true);
  assert.equal(provablyOwned("other-app", ours), false, "another Application's");
  const copied: KubeObject = { ...ours, metadata: { ...ours.metadata, name: "copy" } };
  assert.equal(provablyOwned("demo", copied), false, "a copy whose annotation names another object");
  const unlabelled: KubeObject = { ...ours, metadata: { ...ours.metadata, labels: {} } };
  assert.equal(provablyOwned("demo", unlabelled), false);
  const unannotated: KubeObject = { ...ours, metadata: { ...ours.metadata, annotations: {} } };
  assert.equal(provablyOwned("demo", unannotated), false);
});

test("Prune=false in Argo CD's or sluice's sync-options annotation keeps an object", () => {
  const withOptions = (annotations: Record<string, string>): KubeObject => ({
    metadata: { name: "x", annotations },
  });
  assert.equal(pruneDisabled(withOptions({ "argocd.argoproj.io/sync-options": "Prune=false" })), true);
  assert.equal(pruneDisabled(withOptions({ "sluice.dev/sync-options": "Replace=true, Prune=false" })), true);
  assert.equal(pruneDisabled(withOptions({ "argocd.argoproj.io/sync-options": "PruneLast=true" })), false);
  assert.equal(pruneDisabled(withOptions({})), false);
  assert.deepEqual(objectSyncOptions(withOptions({ "argocd.argoproj.io/sync-options": " A=1 ,,B=2" })), [
    "A=1",
    "B=2",
  ]);
});
