import assert from "node:assert/strict";
import { test } from "node:test";
import { errorFromResponse, isAlreadyExists, isConflict, isNotFound } from "../../../src/kube/errors.ts";
import { parseObjectKey, resourcePath } from "../../../src/kube/resources.ts";

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", code, reason, message });

test("API errors keep the server's message and get a reason", () => {
  const nf = errorFromResponse(404, status(404, "NotFound", 'configmaps "x" not found'), "get /api/v1/x");
  assert.ok(isNotFound(nf));
  assert.equal(nf.message, 'get /api/v1/x: configmaps "x" not found');
  const conflict = errorFromResponse(409, status(409, "Conflict", "the object has been modified"), "patch");
  assert.ok(isConflict(conflict) && !isAlreadyExists(conflict));
  const exists = errorFromResponse(409, status(409, "AlreadyExists", "already exists"), "create");
  assert.ok(isAlreadyExists(exists) && !isConflict(exists));
  assert.equal(errorFromResponse(422, status(422, "Invalid", "bad"), "x").reason, "Invalid");
  assert.equal(errorFromResponse(403, status(403, "Forbidden", "no"), "x").reason, "Forbidden");
  assert.equal(errorFromResponse(503, "upstream down", "x").reason, "ServerError");
  assert.equal(errorFromResponse(503, "upstream down", "x").message, "x: upstream down");
});

test("resource paths for core, grouped, namespaced and cluster-scoped types", () => {
  const cm = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true };
  const crd = {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
  };
  assert.equal(resourcePath(cm), "/api/v1/configmaps");
  assert.equal(resourcePath(cm, "ns"), "/api/v1/namespaces/ns/configmaps");
  assert.equal(resourcePath(cm, "ns", "a b", "status"), "/api/v1/namespaces/ns/configmaps/a%20b/status");
  assert.equal(
    resourcePath(crd, "ignored", "x"),
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x",
  );
  assert.deepEqual(parseObjectKey("ns/name"), { namespace: "ns", name: "name" });
  assert.deepEqual(parseObjectKey("node"), { name: "node" });
});
