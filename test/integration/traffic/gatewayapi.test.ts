// Gateway API traffic routing on the real API server (CRDs from the published Go module): a canary
// of 10 walks 5 → 25 → 50 → 100 % by HTTPRoute backendRef weights with ceil(10 × w / 100) canary
// pods, each weight written only once its pods are available; another rule of the route survives
// byte for byte; a missing route is InvalidSpec naming it, and creating it recovers.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Events, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import type { Route } from "../../../src/trafficrouting/gatewayapi/index.ts";
import { ROUTED_TYPES } from "../../../src/trafficrouting/router.ts";
import { testClient } from "../../helpers/kube.ts";
import { podTemplate, rolloutIn, scalesByHash } from "../../helpers/rollouts.ts";
import {
  podsReadyAt,
  revisionOf,
  setUpTraffic,
  sluiceWrites,
  trafficRollout,
  WALK_STEPS,
  walk,
} from "../../helpers/traffic.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { recordWatch } from "../../helpers/watch.ts";

/** The etcd revision of a watched change (one counter across all objects in this harness). */

const HTTPRoutes = ROUTED_TYPES.HTTPRoute;
const docsRule = {
  matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
  backendRefs: [{ group: "", kind: "Service", name: "docs", port: 8080, weight: 1 }],
};

function route(namespace: string): Route {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web-route", namespace },
    spec: {
      parentRefs: [{ name: "gateway" }],
      hostnames: ["web.example.com"],
      rules: [
        docsRule,
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { group: "", kind: "Service", name: "web-stable", port: 80, weight: 100 },
            { group: "", kind: "Service", name: "web-canary", port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

function rollout(namespace: string, steps: unknown[]): Rollout {
  const trafficRouting = { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web-route" } } };
  return trafficRollout(namespace, steps, { scaleDownDelaySeconds: 1, trafficRouting });
}

const setUp = (t: TestContext, prefix: string) => setUpTraffic(t, prefix, { routeCrds: true });

const weightsOf = (r: Route) =>
  (r.spec?.rules?.[1]?.backendRefs ?? []).map((b) => `${b.name}=${b.weight}`).join(",");

test("Gateway API: a canary of 10 walks 5 → 25 → 50 → 100 by HTTPRoute weights, pods first", async (t) => {
  const namespace = await setUp(t, "gateway");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(HTTPRoutes, route(namespace), "test");
  await client.create(Rollouts, rollout(namespace, WALK_STEPS), "test");
  const v1 = await web.until(
    "v1 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 10,
  );
  const stableHash = v1.status?.stableRS ?? "";
  const routeNow = () => client.get<Route>(HTTPRoutes, { namespace, name: "web-route" });
  const before = await routeNow();

  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const routeWatch = recordWatch<Route>(t, HTTPRoutes, { namespace });
  await web.patchSpec({ template: podTemplate("web:2", { "kwok.sluice.dev/ready-after": "2s" }) });
  const atStep = async (index: number, weight: number, canaryPods: number) => {
    const r = await web.until(
      `paused at step ${index}`,
      (x) => x.status?.currentStepIndex === index && (x.status.pauseConditions?.length ?? 0) > 0,
      60_000,
    );
    const canaryHash = r.status?.currentPodHash ?? "";
    const want = `web-stable=${100 - weight},web-canary=${weight}`;
    const now = await waitFor(`weights ${want}`, async () => {
      const live = await routeNow();
      return weightsOf(live) === want ? live : pending(weightsOf(live));
    });
    assert.deepEqual(now.spec?.rules?.[0], before.spec?.rules?.[0], "the docs rule is untouched");
    const scales = await scalesByHash(namespace);
    assert.deepEqual(scales[canaryHash], [canaryPods, canaryPods]);
    assert.deepEqual(scales[stableHash], [10, 10]);
    const podsReady = podsReadyAt(rsWatch.events, canaryHash, canaryPods);
    const weighted = Math.min(
      ...routeWatch.events.filter((e) => weightsOf(e.object) === want).map((e) => revisionOf(e)),
    );
    assert.ok(podsReady < weighted, `pods ready (rev ${podsReady}) before ${want} (rev ${weighted})`);
    return canaryHash;
  };
  await walk(web, atStep);
  assert.ok(
    routeWatch.events.some((e) => weightsOf(e.object) === "web-stable=0,web-canary=100"),
    "100 % before promotion",
  );
  const after = await waitFor("weights back on the (new) stable", async () => {
    const live = await routeNow();
    return weightsOf(live) === "web-stable=100,web-canary=0" ? live : pending(weightsOf(live));
  });
  assert.equal(
    JSON.stringify(after.spec?.rules?.[0]),
    JSON.stringify(before.spec?.rules?.[0]),
    "byte for byte",
  );
  assert.deepEqual(after.spec?.parentRefs, before.spec?.parentRefs);
  const writes = await sluiceWrites(namespace, "httproutes");
  t.diagnostic(`sluice wrote the HTTPRoute ${writes} times`);
  assert.ok(writes <= 6, `one write per weight (5, 25, 50, 100, 0), got ${writes}`);
});

test("Gateway API: a missing HTTPRoute is InvalidSpec naming it; creating it recovers", async (t) => {
  const namespace = await setUp(t, "gateway-missing");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }]), "test");
  const invalid = await web.until(
    "InvalidSpec",
    (r) => r.status?.conditions?.some((c) => c.type === "InvalidSpec") ?? false,
  );
  assert.match(
    invalid.status?.conditions?.find((c) => c.type === "InvalidSpec")?.message ?? "",
    /trafficRouting\.plugins\["argoproj-labs\/gatewayAPI"\]\.httpRoute: HTTPRoute "web-route" not found/,
  );
  await client.create(HTTPRoutes, route(namespace), "test");
  await web.until(
    "Healthy once the route exists",
    (r) => r.status?.phase === "Healthy" && !r.status.conditions?.some((c) => c.type === "InvalidSpec"),
  );
});

test("Gateway API: header and mirror routes added by their steps, in managedRoutes order, gone at the end", async (t) => {
  const namespace = await setUp(t, "gateway-routes");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(HTTPRoutes, route(namespace), "test");
  const r = rollout(namespace, [
    { setWeight: 20 },
    {
      setHeaderRoute: {
        name: "beta-users",
        match: [{ headerName: "X-Beta", headerValue: { exact: "yes" } }],
      },
    },
    { setMirrorRoute: { name: "mirror-api", percentage: 50, match: [{ path: { prefix: "/api" } }] } },
    { pause: {} },
  ]);
  const canary = r.spec?.strategy?.canary;
  if (canary?.trafficRouting)
    canary.trafficRouting.managedRoutes = [{ name: "mirror-api" }, { name: "beta-users" }];
  await client.create(Rollouts, r, "test");
  await web.until("v1 Healthy", (x) => x.status?.phase === "Healthy");
  const original = await client.get<Route>(HTTPRoutes, { namespace, name: "web-route" });
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until(
    "paused after the route steps",
    (x) => x.status?.currentStepIndex === 3 && (x.status.pauseConditions?.length ?? 0) > 0,
  );
  const names = (x: Route) => (x.spec?.rules ?? []).map((rule) => rule.name ?? "(unnamed)");
  const during = await waitFor("both managed rules", async () => {
    const live = await client.get<Route>(HTTPRoutes, { namespace, name: "web-route" });
    return names(live).length === 4 ? live : pending(names(live).join(","));
  });
  assert.deepEqual(names(during), ["(unnamed)", "sluice-mirror-api", "sluice-beta-users", "(unnamed)"]);
  assert.deepEqual(
    during.spec?.rules?.[2]?.backendRefs?.map((b) => b.name),
    ["web-canary"],
  );
  assert.deepEqual(during.spec?.rules?.[2]?.matches?.[0]?.headers, [
    { name: "X-Beta", type: "Exact", value: "yes" },
  ]);
  assert.deepEqual(during.spec?.rules?.[1]?.filters?.[0], {
    type: "RequestMirror",
    requestMirror: { backendRef: { group: "", kind: "Service", name: "web-canary", port: 80 }, percent: 50 },
  });
  await web.patchStatus({ pauseConditions: null });
  await web.until(
    "v2 Healthy",
    (x) => x.status?.phase === "Healthy" && x.status.stableRS === x.status.currentPodHash,
    60_000,
  );
  const after = await waitFor("the managed rules removed, weights back", async () => {
    const live = await client.get<Route>(HTTPRoutes, { namespace, name: "web-route" });
    return names(live).length === 2 && weightsOf(live) === "web-stable=100,web-canary=0"
      ? live
      : pending(names(live).join(","));
  });
  assert.deepEqual(after.spec?.rules, original.spec?.rules, "the route is as it was before the update");
});

test("Gateway API: abort puts the weight back on stable before the canary scales down", async (t) => {
  const namespace = await setUp(t, "gateway-abort");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(HTTPRoutes, route(namespace), "test");
  const r = rollout(namespace, [{ setWeight: 30 }, { pause: {} }]);
  const canary = r.spec?.strategy?.canary;
  if (canary) canary.abortScaleDownDelaySeconds = 1;
  await client.create(Rollouts, r, "test");
  await web.until("v1 Healthy", (x) => x.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until("paused at 30", (x) => (x.status?.pauseConditions?.length ?? 0) > 0);
  const canaryHash = paused.status?.currentPodHash ?? "";
  await waitFor("weights 70/30", async () => {
    const live = await client.get<Route>(HTTPRoutes, { namespace, name: "web-route" });
    return weightsOf(live) === "web-stable=70,web-canary=30" ? true : pending(weightsOf(live));
  });
  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const routeWatch = recordWatch<Route>(t, HTTPRoutes, { namespace });
  await web.patchStatus({ abort: true });
  await waitFor("canary scaled down after the abort delay", async () => {
    const scales = await scalesByHash(namespace);
    return scales[canaryHash]?.[0] === 0 ? true : pending(JSON.stringify(scales));
  });
  const revision = (e: { object: { metadata?: { resourceVersion?: string } } }) =>
    Number(e.object.metadata?.resourceVersion ?? 0);
  const zero = Math.min(
    ...routeWatch.events.filter((e) => weightsOf(e.object) === "web-stable=100,web-canary=0").map(revision),
  );
  const shrank = Math.min(
    ...rsWatch.events
      .filter((e) => e.object.metadata?.labels?.["rollouts-pod-template-hash"] === canaryHash)
      .filter((e) => (e.object.spec?.replicas ?? 0) < 3)
      .map(revision),
  );
  assert.ok(
    Number.isFinite(zero) && zero < shrank,
    `weight 0 (rev ${zero}) before the canary shrank (rev ${shrank})`,
  );
});

test("Gateway API: a GRPCRoute's backendRef weights follow the steps", async (t) => {
  const namespace = await setUp(t, "gateway-grpc");
  const client = testClient();
  const web = rolloutIn(namespace);
  const GRPCRoutes = ROUTED_TYPES.GRPCRoute;
  await client.create(
    GRPCRoutes,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GRPCRoute",
      metadata: { name: "web-grpc", namespace },
      spec: {
        parentRefs: [{ name: "gateway" }],
        rules: [
          {
            backendRefs: [
              { name: "web-stable", port: 80, weight: 100 },
              { name: "web-canary", port: 80, weight: 0 },
            ],
          },
        ],
      },
    },
    "test",
  );
  const r = rollout(namespace, [{ setWeight: 40 }, { pause: {} }]);
  const canary = r.spec?.strategy?.canary;
  if (canary) canary.trafficRouting = { gatewayAPI: { grpcRoute: "web-grpc" } };
  await client.create(Rollouts, r, "test");
  await web.until("v1 Healthy", (x) => x.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until("paused at 40", (x) => (x.status?.pauseConditions?.length ?? 0) > 0);
  const weights = (x: Route) =>
    (x.spec?.rules?.[0]?.backendRefs ?? []).map((b) => `${b.name}=${b.weight}`).join(",");
  await waitFor("GRPCRoute weights 60/40", async () => {
    const live = await client.get<Route>(GRPCRoutes, { namespace, name: "web-grpc" });
    return weights(live) === "web-stable=60,web-canary=40" ? true : pending(weights(live));
  });
});

test("Gateway API: a route that does not reference the canary Service is InvalidSpec with an Event; fixing it recovers", async (t) => {
  const namespace = await setUp(t, "gateway-noref");
  const client = testClient();
  const web = rolloutIn(namespace);
  const broken = route(namespace);
  const split = broken.spec?.rules?.[1];
  if (split) split.backendRefs = (split.backendRefs ?? []).filter((b) => b.name !== "web-canary");
  await client.create(HTTPRoutes, broken, "test");
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }]), "test");
  const invalid = await web.until(
    "InvalidSpec",
    (r) => r.status?.conditions?.some((c) => c.type === "InvalidSpec") ?? false,
  );
  assert.match(
    invalid.status?.conditions?.find((c) => c.type === "InvalidSpec")?.message ?? "",
    /HTTPRoute "web-route" has no rule with backendRefs to both web-stable and web-canary/,
  );
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some((e) => e.reason === "InvalidSpec" && /HTTPRoute "web-route"/.test(e.message ?? "")),
  );
  await client.mergePatch(
    HTTPRoutes,
    { namespace, name: "web-route" },
    { spec: { rules: route(namespace).spec?.rules } },
    "test",
  );
  await web.until(
    "Healthy once the route is fixed",
    (r) => r.status?.phase === "Healthy" && !r.status.conditions?.some((c) => c.type === "InvalidSpec"),
  );
});
