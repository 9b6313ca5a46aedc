// Proof that the test cluster serves the traffic routers' APIs from the CRDs their projects publish
// as Go modules (test/cluster/traffic-crds.ts): installTrafficCrds() installs them, and an HTTPRoute,
// a GRPCRoute, a VirtualService and a DestinationRule are created and read back through the
// versions sluice writes. The real schemas are in force: an out-of-range backend weight is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiException, CustomObjectsApi } from "@kubernetes/client-node";
import { readTrafficCrdVersions, TRAFFIC_CRDS } from "../../cluster/traffic-crds.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { installTrafficCrds } from "../../helpers/traffic-crds.ts";

interface Routed {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid?: string };
  spec: Record<string, unknown>;
}

const GATEWAY = "gateway.networking.k8s.io";
const ISTIO = "networking.istio.io";

const httpRoute = (weights: [number, number]): Routed => ({
  apiVersion: `${GATEWAY}/v1`,
  kind: "HTTPRoute",
  metadata: { name: "web" },
  spec: {
    parentRefs: [{ name: "gw" }],
    rules: [
      {
        backendRefs: [
          { name: "web-stable", port: 80, weight: weights[0] },
          { name: "web-canary", port: 80, weight: weights[1] },
        ],
      },
    ],
  },
});

const objects: { plural: string; object: Routed }[] = [
  { plural: "httproutes", object: httpRoute([90, 10]) },
  {
    plural: "grpcroutes",
    object: {
      apiVersion: `${GATEWAY}/v1`,
      kind: "GRPCRoute",
      metadata: { name: "api" },
      spec: {
        parentRefs: [{ name: "gw" }],
        rules: [
          {
            backendRefs: [
              { name: "api-stable", port: 9000, weight: 90 },
              { name: "api-canary", port: 9000, weight: 10 },
            ],
          },
        ],
      },
    },
  },
  {
    plural: "virtualservices",
    object: {
      apiVersion: `${ISTIO}/v1`,
      kind: "VirtualService",
      metadata: { name: "web" },
      spec: {
        hosts: ["web"],
        http: [
          {
            name: "primary",
            route: [
              { destination: { host: "web", subset: "stable" }, weight: 90 },
              { destination: { host: "web", subset: "canary" }, weight: 10 },
            ],
          },
        ],
      },
    },
  },
  {
    plural: "destinationrules",
    object: {
      apiVersion: `${ISTIO}/v1`,
      kind: "DestinationRule",
      metadata: { name: "web" },
      spec: {
        host: "web",
        subsets: [
          { name: "stable", labels: { "rollouts-pod-template-hash": "aaa" } },
          { name: "canary", labels: { "rollouts-pod-template-hash": "bbb" } },
        ],
      },
    },
  },
];

/** The weights of a read-back object's backends, whatever the API server defaulted around them. */
function weights(object: Routed): unknown[] {
  const spec = object.spec as {
    rules?: { backendRefs?: { weight?: number }[] }[];
    http?: { route?: { weight?: number }[] }[];
  };
  return [
    ...(spec.rules?.flatMap((r) => r.backendRefs?.map((b) => b.weight) ?? []) ?? []),
    ...(spec.http?.flatMap((h) => h.route?.map((r) => r.weight) ?? []) ?? []),
  ];
}

test("the Gateway API and Istio CRDs from their Go modules serve HTTPRoute, GRPCRoute, VirtualService, DestinationRule", async (t) => {
  const started = Date.now();
  const installed = await installTrafficCrds();
  t.diagnostic(`installed ${installed.length} CRDs in ${Date.now() - started} ms`);
  for (const crd of installed) t.diagnostic(`${crd.name} (${crd.apiVersion}) from ${crd.file}`);

  const versions = readTrafficCrdVersions();
  assert.deepEqual(
    installed.map((c) => c.name).sort(),
    [...TRAFFIC_CRDS.gatewayApi, ...TRAFFIC_CRDS.istio].sort(),
  );
  for (const crd of installed) {
    const from = crd.name.endsWith(`.${ISTIO}`)
      ? `istio.io/api@${versions.istioApi}`
      : `sigs.k8s.io/gateway-api@${versions.gatewayApi}`;
    assert.equal(crd.module, from, crd.name);
  }
  const servedAs = Object.fromEntries(installed.map((c) => [c.kind, c.apiVersion]));
  assert.equal(servedAs.HTTPRoute, `${GATEWAY}/v1`);
  assert.equal(servedAs.GRPCRoute, `${GATEWAY}/v1`);
  assert.equal(servedAs.VirtualService, `${ISTIO}/v1`);
  assert.equal(servedAs.DestinationRule, `${ISTIO}/v1`);

  // Again, as every test needing them will call it: it changes nothing and still resolves.
  assert.equal((await installTrafficCrds()).length, installed.length);

  const namespace = await useNamespace(t, "traffic-crds");
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  for (const { plural, object } of objects) {
    const [group, version] = object.apiVersion.split("/") as [string, string];
    const ref = { group, version, namespace, plural };
    const created = (await api.createNamespacedCustomObject({ ...ref, body: object })) as Routed;
    const read = (await api.getNamespacedCustomObject({ ...ref, name: object.metadata.name })) as Routed;
    assert.equal(read.kind, object.kind);
    assert.equal(read.apiVersion, object.apiVersion);
    assert.equal(read.metadata.uid, created.metadata.uid);
    if (plural === "destinationrules") {
      assert.deepEqual(read.spec, object.spec);
    } else {
      assert.deepEqual(weights(read), [90, 10], plural);
    }
  }

  // The schema is Gateway API's own: a backend weight above 1,000,000 is refused by the API server.
  await assert.rejects(
    api.createNamespacedCustomObject({
      group: GATEWAY,
      version: "v1",
      namespace,
      plural: "httproutes",
      body: { ...httpRoute([1_000_001, 0]), metadata: { name: "too-heavy" } },
    }),
    (error: unknown) => {
      assert.ok(error instanceof ApiException);
      assert.equal(error.code, 422);
      assert.match(String(error.body), /weight/);
      return true;
    },
  );
});
