// Traffic routers are found through one registry: a router registered there is handed the
// Rollouts that name it, several in the registry's fixed order; names without a router are reported.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Registry } from "../../../src/controller/registry.ts";
import { routersFor, trafficRouters } from "../../../src/trafficrouting/registry.ts";
import type { RoutingTarget, TrafficRouter } from "../../../src/trafficrouting/router.ts";

/** A router that records the weights it was asked to set. */
function fakeRouter(name: string, calls: string[]): TrafficRouter {
  return {
    name,
    async setWeight(_target, weight) {
      calls.push(`${name} ${weight}`);
    },
    async reset() {
      calls.push(`${name} reset`);
    },
  };
}

const target = {
  rollout: {} as Rollout,
  stableHash: "a",
  canaryHash: "b",
  stableService: "s",
  canaryService: "c",
};

test("a registered router is found by the key a Rollout names it with, and called", async () => {
  const calls: string[] = [];
  const registry = trafficRouters.extended(fakeRouter("fake", calls));
  const { routers, unsupported } = routersFor({ fake: { ingress: "web" }, maxTrafficWeight: 100 }, registry);
  assert.deepEqual(unsupported, []);
  assert.deepEqual(
    routers.map((r) => r.name),
    ["fake"],
  );
  for (const router of routers) await router.setWeight(target as RoutingTarget, 5);
  assert.deepEqual(calls, ["fake 5"]);
});

test("several routers apply in registration order, whatever order the spec lists them in", () => {
  const registry = new Registry<TrafficRouter>("traffic router")
    .register(fakeRouter("nginx", []))
    .register(fakeRouter("istio", []));
  const { routers } = routersFor({ istio: {}, nginx: {} }, registry);
  assert.deepEqual(
    routers.map((r) => r.name),
    ["nginx", "istio"],
  );
});

test("names without a router are reported, settings are not router names", () => {
  const { routers, unsupported } = routersFor({ smi: {}, managedRoutes: [], maxTrafficWeight: 1000 });
  assert.deepEqual(routers, []);
  assert.deepEqual(unsupported, ["smi"]);
});

test("registering two routers under one name is refused; extending leaves the original alone", () => {
  const registry = new Registry<TrafficRouter>("traffic router").register(fakeRouter("nginx", []));
  assert.throws(
    () => registry.register(fakeRouter("nginx", [])),
    /traffic router "nginx" is registered twice/,
  );
  registry.extended(fakeRouter("extra", []));
  assert.deepEqual(registry.names(), ["nginx"]);
  assert.equal(trafficRouters.has("extra"), false);
});
