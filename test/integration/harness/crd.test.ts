// Proof that custom resources work as sluice's will: a CRD with a status subresource, an object
// written and read back, and status writable only through /status.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";
import { waitFor } from "../../helpers/wait.ts";

const group = "harness.test.sluice.dev";
const plural = "widgets";

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural, singular: "widget", kind: "Widget", shortNames: ["wdg"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
              status: {
                type: "object",
                properties: { phase: { type: "string" }, observedGeneration: { type: "integer" } },
              },
            },
          },
        },
      },
    ],
  },
};

interface Widget {
  metadata: { name: string; generation?: number; resourceVersion?: string };
  spec?: { size?: number };
  status?: { phase?: string; observedGeneration?: number };
}

test("a CRD with a status subresource stores spec and status separately", async (t) => {
  await ensureCrd(crd);

  const namespace = await useNamespace(t, "crd");
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  const ref = { group, version: "v1", namespace, plural };
  // The API server serves the new type a moment after Established; the first create may 404.
  await waitFor("the first Widget to be created", () =>
    api.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } },
    }),
  );

  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  await api.patchNamespacedCustomObjectStatus(
    { ...ref, name: "w1", body: { status: { phase: "Ready", observedGeneration: 1 } } },
    merge,
  );
  const read = (await api.getNamespacedCustomObject({ ...ref, name: "w1" })) as Widget;
  assert.deepEqual(read.spec, { size: 3 });
  assert.deepEqual(read.status, { phase: "Ready", observedGeneration: 1 });

  // Through the main resource the status is ignored, and through /status the spec is ignored.
  await api.patchNamespacedCustomObject(
    { ...ref, name: "w1", body: { spec: { size: 5 }, status: { phase: "Hacked" } } },
    merge,
  );
  await api.patchNamespacedCustomObjectStatus(
    { ...ref, name: "w1", body: { spec: { size: 99 }, status: { observedGeneration: 2 } } },
    merge,
  );
  const after = (await api.getNamespacedCustomObject({ ...ref, name: "w1" })) as Widget;
  assert.equal(after.spec?.size, 5);
  assert.equal(after.metadata.generation, 2, "a spec change bumps the generation");
  assert.deepEqual(after.status, { phase: "Ready", observedGeneration: 2 });
});
