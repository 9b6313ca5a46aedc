// A kind defined by a CRD in the same render is found there: group, kind and a served version
// must all match, and the scope decides whether it is namespaced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { definedInRender } from "../../../src/gitops/apply/crds.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const crd = (scope: string, versions: { name: string; served?: boolean }[]) =>
  ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: { group: "example.com", scope, names: { plural: "widgets", kind: "Widget" }, versions },
  }) as KubeObject;

test("a kind is found in the CRD that defines it, with its plural and scope", () => {
  const found = definedInRender([crd("Namespaced", [{ name: "v1", served: true }])], {
    group: "example.com",
    version: "v1",
    kind: "Widget",
  });
  assert.deepEqual(found, {
    crd: "widgets.example.com",
    resource: { group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true },
  });
  const cluster = definedInRender([crd("Cluster", [{ name: "v1" }])], {
    group: "example.com",
    version: "v1",
    kind: "Widget",
  });
  assert.equal(cluster?.resource.namespaced, false);
});

test("another group, kind or an unserved version is not a match", () => {
  const objects = [
    crd("Namespaced", [
      { name: "v1", served: true },
      { name: "v2", served: false },
    ]),
  ];
  for (const gvk of [
    { group: "other.com", version: "v1", kind: "Widget" },
    { group: "example.com", version: "v1", kind: "Gadget" },
    { group: "example.com", version: "v2", kind: "Widget" },
    { group: "example.com", version: "v3", kind: "Widget" },
  ])
    assert.equal(definedInRender(objects, gvk), undefined, JSON.stringify(gvk));
  assert.equal(definedInRender([], { group: "example.com", version: "v1", kind: "Widget" }), undefined);
});
