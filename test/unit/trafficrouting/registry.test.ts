// Traffic routers are found through one registry: a router registered there is handed the
// Rollouts that name it, several in the registry's fixed order; names without a router are reported.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout, TrafficRouting } from "../../../src/api/rollout.ts";
import { Registry } from "../../../src/controller/registry.ts";
import { NO_ROUTES } from "../../../src/trafficrouting/managed-routes.ts";
import { routersFor, trafficRouters } from "../../../src/trafficrouting/registry.ts";
import type { TrafficRouter } from "../../../src/trafficrouting/router.ts";

/** A router that writes one ConfigMap-like object carrying the weight it was given. */
function fakeRouter(name: string): TrafficRouter {
  return {
    name,
    references: () => [],
    problems: () => [],
    writes: ({ weight }) => [
      {
        kind: "Ingress",
        namespace: "ns",
        name,
        apply: { metadata: { annotations: { weight: String(weight) } } },
      },
    ],
  };
}

const rollout = {} as Rollout;

test("a registered router is found by the key a Rollout names it with, and asked for its writes", () => {
  const registry = trafficRouters.extended(fakeRouter("fake"));
  const spec = { fake: { ingress: "web" }, maxTrafficWeight: 100 } as TrafficRouting;
  const { routers, unsupported } = routersFor(spec, registry);
  assert.deepEqual(unsupported, []);
  assert.deepEqual(
    routers.map((r) => r.name),
    ["fake"],
  );
  const writes = routers.flatMap((r) =>
    r.writes({
      rollout,
      weight: 5,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: () => undefined,
    }),
  );
  assert.deepEqual(
    writes.map((w) => ("apply" in w ? w.apply.metadata?.annotations?.weight : undefined)),
    ["5"],
  );
});

test("several routers apply in registration order, whatever order the spec lists them in", () => {
  const registry = new Registry<TrafficRouter>("traffic router")
    .register(fakeRouter("nginx"))
    .register(fakeRouter("istio"));
  const { routers } = routersFor({ istio: {}, nginx: {} } as TrafficRouting, registry);
  assert.deepEqual(
    routers.map((r) => r.name),
    ["nginx", "istio"],
  );
});

test("names without a router are reported, settings are not router names", () => {
  const { routers, unsupported } = routersFor({ smi: {}, managedRoutes: [], maxTrafficWeight: 1000 });
  assert.deepEqual(routers, []);
  assert.deepEqual(unsupported, ["smi"]);
  const plugins = routersFor({ plugins: { "argoproj-labs/gatewayAPI": {}, "acme/contour": {} } });
  assert.deepEqual(
    plugins.routers.map((r) => r.name),
    ["gatewayAPI"],
    "the peer's Gateway API plugin is built in",
  );
  assert.deepEqual(plugins.unsupported, ["plugins.acme/contour"]);
});

test("registering two routers under one name is refused; extending leaves the original alone", () => {
  const registry = new Registry<TrafficRouter>("traffic router").register(fakeRouter("nginx"));
  assert.throws(() => registry.register(fakeRouter("nginx")), /traffic router "nginx" is registered twice/);
  registry.extended(fakeRouter("extra"));
  assert.deepEqual(registry.names(), ["nginx"]);
  assert.equal(trafficRouters.has("extra"), false);
});
