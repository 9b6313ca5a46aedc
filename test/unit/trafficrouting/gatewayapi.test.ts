// The Gateway API router: weights only in the rules that split between the stable and canary
// Services, every other rule and field as it was; written only on change, as a patch tied to the
// route's resourceVersion; problems name the field and the route.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { gatewayAPIRouter, type Route } from "../../../src/trafficrouting/gatewayapi/index.ts";
import { NO_ROUTES } from "../../../src/trafficrouting/managed-routes.ts";

const rollout = (routing: Record<string, unknown>): Rollout => ({
  metadata: { name: "web", namespace: "ns" },
  spec: {
    strategy: {
      canary: { canaryService: "web-canary", stableService: "web-stable", trafficRouting: routing },
    },
  },
});

const split = {
  matches: [{ path: { type: "PathPrefix", value: "/" } }],
  backendRefs: [
    { name: "web-stable", port: 80, weight: 100 },
    { name: "web-canary", port: 80, weight: 0 },
  ],
};
const foreign = {
  matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
  backendRefs: [{ name: "docs", port: 80 }],
};
const route: Route = {
  metadata: { name: "web-route", namespace: "ns", resourceVersion: "42" },
  spec: { parentRefs: [{ name: "gw" }], hostnames: ["web.example.com"], rules: [foreign, split] },
};
const lookupOf = (objects: KubeObject[]) => (_kind: string, name: string) =>
  objects.find((o) => o.metadata?.name === name);

test("only the splitting rule gets weights; the foreign rule is untouched; the patch holds at the version read", () => {
  for (const r of [
    rollout({ plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web-route" } } }),
    rollout({ gatewayAPI: { httpRoutes: [{ name: "web-route" }] } }),
  ]) {
    const writes = gatewayAPIRouter.writes({
      rollout: r,
      weight: 20,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([route]),
    });
    assert.equal(writes.length, 1);
    const write = writes[0];
    assert.ok(write && "patch" in write);
    assert.equal(write.resourceVersion, "42");
    assert.deepEqual(write.patch, {
      spec: {
        rules: [
          foreign,
          {
            ...split,
            backendRefs: [
              { name: "web-stable", port: 80, weight: 80 },
              { name: "web-canary", port: 80, weight: 20 },
            ],
          },
        ],
      },
    });
  }
});

test("nothing is written when the weights are already there; maxTrafficWeight scales the stable's", () => {
  const r = rollout({ gatewayAPI: { httpRoute: "web-route" } });
  assert.deepEqual(
    gatewayAPIRouter.writes({
      rollout: r,
      weight: 0,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([route]),
    }),
    [],
  );
  const fine = rollout({ gatewayAPI: { httpRoute: "web-route" }, maxTrafficWeight: 1000 });
  const [write] = gatewayAPIRouter.writes({
    rollout: fine,
    weight: 5,
    routes: NO_ROUTES,
    hashes: { canary: "c", stable: "s" },
    lookup: lookupOf([route]),
  });
  const rules = (write && "patch" in write ? write.patch : {}) as {
    spec: { rules?: { backendRefs?: { weight?: number }[] }[] };
  };
  assert.deepEqual(
    rules.spec.rules?.[1]?.backendRefs?.map((b) => b.weight),
    [995, 5],
  );
});

test("a backendRef of another kind with the Service's name is not the Service", () => {
  const other = {
    ...route,
    spec: {
      rules: [
        {
          backendRefs: [
            { name: "web-stable", kind: "ServiceImport", group: "multicluster.x-k8s.io" },
            { name: "web-canary" },
          ],
        },
      ],
    },
  };
  const r = rollout({ gatewayAPI: { httpRoute: "web-route" } });
  assert.match(
    gatewayAPIRouter.problems({ rollout: r, lookup: lookupOf([other]) })[0]?.message ?? "",
    /HTTPRoute "web-route" has no rule with backendRefs to both web-stable and web-canary/,
  );
});

test("problems: a missing route names its field; GRPCRoutes and another namespace are read as named", () => {
  const r = rollout({
    gatewayAPI: { httpRoute: "gone", grpcRoutes: [{ name: "grpc" }], namespace: "routes" },
  });
  const seen: string[] = [];
  const problems = gatewayAPIRouter.problems({
    rollout: r,
    lookup: (kind, name, namespace) => {
      seen.push(`${kind}/${namespace}/${name}`);
      return undefined;
    },
  });
  assert.deepEqual(seen, ["HTTPRoute/routes/gone", "GRPCRoute/routes/grpc"]);
  assert.deepEqual(problems, [
    {
      path: "spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute",
      message: 'HTTPRoute "gone" not found',
    },
    {
      path: "spec.strategy.canary.trafficRouting.gatewayAPI.grpcRoutes[0]",
      message: 'GRPCRoute "grpc" not found',
    },
  ]);
});
