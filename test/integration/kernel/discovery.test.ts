// API discovery and dynamic informers on the real API server: a CRD created while sluice runs is
// found without a restart, and a dynamic informer with a label selector caches only the labelled
// objects of the new kind (the Git core watches only what it manages).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pino from "pino";
import { DynamicInformers } from "../../../src/controller/dynamic-informers.ts";
import type { InformerEvent } from "../../../src/controller/informer.ts";
import { ApiDiscovery } from "../../../src/kube/discovery.ts";
import { DynamicClient } from "../../../src/kube/dynamic-client.ts";
import { isUnknownKind } from "../../../src/kube/errors.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const CRDS = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

function gadgetCrd(group: string) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
            },
          },
        },
      ],
    },
  };
}

const gadget = (namespace: string, name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, namespace, labels },
  spec: { size: 1 },
});

test("built-in kinds resolve to their resource, scope and verbs", async () => {
  const discovery = new ApiDiscovery(testClient().transport);
  const configMaps = await discovery.resourceFor({ group: "", version: "v1", kind: "ConfigMap" });
  assert.deepEqual(
    { plural: configMaps.plural, namespaced: configMaps.namespaced },
    { plural: "configmaps", namespaced: true },
  );
  assert.ok(configMaps.verbs.includes("watch") && configMaps.verbs.includes("patch"));
  const roles = await discovery.resourceFor({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
  });
  assert.deepEqual(
    { plural: roles.plural, namespaced: roles.namespaced },
    { plural: "clusterroles", namespaced: false },
  );
  const deployments = await discovery.resourceFor({ group: "apps", version: "v1", kind: "Deployment" });
  assert.equal(deployments.plural, "deployments");
});

test("a CRD created at run time is discovered and watched by label without a restart", async (t) => {
  const namespace = await useNamespace(t, "disco");
  const group = `g${randomBytes(3).toString("hex")}.sluice.dev`;
  const gvk = { group, version: "v1", kind: "Gadget" };
  const client = testClient();
  const discovery = new ApiDiscovery(client.transport, { missRefreshMs: 200 });
  const dynamic = new DynamicClient(client, discovery);

  // Before the CRD exists: a typed "unknown kind" that names what to install.
  await assert.rejects(discovery.resourceFor(gvk), (error: Error) => {
    assert.ok(isUnknownKind(error), error.message);
    assert.match(error.message, new RegExp(`kind Gadget in ${group}/v1 .*CustomResourceDefinition`));
    return true;
  });

  const crd = gadgetCrd(group);
  t.after(() => client.delete(CRDS, { name: crd.metadata.name }).catch(() => undefined));
  await ensureCrd(crd);
  // The same discovery object (its group version cached as unknown) finds the kind on a later miss.
  const resource = await waitFor("Gadget discovered", async () => {
    try {
      return await discovery.resourceFor(gvk);
    } catch (error) {
      if (isUnknownKind(error)) return pending((error as Error).message);
      throw error;
    }
  });
  assert.deepEqual(
    { plural: resource.plural, namespaced: resource.namespaced },
    { plural: "gadgets", namespaced: true },
  );

  const informers = new DynamicInformers({
    client,
    discovery,
    logger: pino({ level: "silent" }),
    labelSelector: "sluice.dev/managed=yes",
    namespace,
  });
  t.after(() => informers.stop());
  const events: { event: InformerEvent; name: string; kind: string }[] = [];
  informers.on((r, event, object) => events.push({ event, name: object.metadata?.name ?? "", kind: r.kind }));

  const apiVersion = `${group}/v1`;
  const apply = (object: ReturnType<typeof gadget>) =>
    dynamic.apply<KubeObject>({ apiVersion, kind: "Gadget", ...object }, "sluice-test", { force: true });
  await apply(gadget(namespace, "managed", { "sluice.dev/managed": "yes" }));
  await apply(gadget(namespace, "other"));

  const informer = await informers.informerFor(gvk);
  assert.deepEqual(
    [...informer.cache.values()].map((o) => o.metadata?.name),
    ["managed"],
    "the first list holds only the labelled object",
  );
  assert.deepEqual(informers.kinds, [`gadgets.v1.${group}`]);
  assert.equal(await informers.informerFor(gvk), informer, "one informer per kind");

  // Labelling the other object brings it in by watch; deleting the first takes it out.
  await apply(gadget(namespace, "other", { "sluice.dev/managed": "yes" }));
  await dynamic.delete(gvk, { namespace, name: "managed" });
  await waitFor("watch events for both objects", () => {
    const seen = events.map((e) => `${e.event} ${e.name}`);
    return seen.includes("add other") && seen.includes("delete managed") ? true : pending(seen.join(", "));
  });
  assert.deepEqual(
    [...informer.cache.values()].map((o) => o.metadata?.name),
    ["other"],
  );
  assert.ok(events.every((e) => e.kind === "Gadget"));
  const listed = await dynamic.list(gvk, { namespace });
  assert.deepEqual(
    listed.items.map((o) => o.metadata?.name),
    ["other"],
  );
});

test("a kind that cannot be listed and watched is refused with its name", async () => {
  const client = testClient();
  const informers = new DynamicInformers({
    client,
    discovery: new ApiDiscovery(client.transport),
    logger: pino({ level: "silent" }),
    labelSelector: "sluice.dev/managed=yes",
  });
  // TokenReview only allows create.
  await assert.rejects(
    informers.informerFor({ group: "authentication.k8s.io", version: "v1", kind: "TokenReview" }),
    /TokenReview \(tokenreviews\) cannot be watched: no list/,
  );
  await informers.stop();
});
