// Istio traffic routing on the real API server (VirtualService and DestinationRule CRDs from the
// published istio.io/api module): a canary of 10 walks 5 → 25 → 50 → 100 % by VirtualService
// destination weights with ceil(10 × w / 100) canary pods, each weight written only once its pods
// are available, a foreign http route surviving byte for byte; a subset-level split keeps the
// DestinationRule's subsets on the canary's and the stable's pod-template hashes; header and mirror
// routes come with their steps and go after promotion; a missing VirtualService is InvalidSpec
// naming it, and creating it recovers.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Events, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import type { DestinationRule } from "../../../src/trafficrouting/istio/destination-rule.ts";
import type { VirtualService, VirtualServiceRoute } from "../../../src/trafficrouting/istio/destinations.ts";
import { ROUTED_TYPES } from "../../../src/trafficrouting/router.ts";
import { testClient } from "../../helpers/kube.ts";
import { podTemplate, rolloutIn, scalesByHash } from "../../helpers/rollouts.ts";
import {
  podsReadyAt,
  revisionOf,
  setUpTraffic,
  sluiceWrites,
  trafficRollout,
  walk,
} from "../../helpers/traffic.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { recordWatch } from "../../helpers/watch.ts";

const VirtualServices = ROUTED_TYPES.VirtualService;
const DestinationRules = ROUTED_TYPES.DestinationRule;
const HASH = "rollouts-pod-template-hash";

/** The etcd revision of a watched change (one counter across all objects in this harness). */

const docsRoute = {
  name: "docs",
  match: [{ uri: { prefix: "/docs" } }],
  route: [{ destination: { host: "docs.default.svc.cluster.local", port: { number: 8080 } } }],
  timeout: "5s",
};

function virtualService(namespace: string, primary: VirtualServiceRoute): VirtualService {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: "web-vs", namespace },
    spec: { hosts: ["web.example.com"], gateways: ["web-gateway"], http: [docsRoute, primary] },
  };
}

const hostRoute = (namespace: string): VirtualServiceRoute => ({
  name: "primary",
  match: [{ uri: { prefix: "/" } }],
  route: [
    { destination: { host: `web-stable.${namespace}.svc.cluster.local`, port: { number: 80 } }, weight: 100 },
    { destination: { host: "web-canary", port: { number: 80 } }, weight: 0 },
  ],
});

const subsetRoute: VirtualServiceRoute = {
  name: "primary",
  route: [
    { destination: { host: "web", subset: "stable" }, weight: 100 },
    { destination: { host: "web", subset: "canary" }, weight: 0 },
  ],
};

const legacySubset = { name: "legacy", labels: { app: "web", track: "legacy" } };

function destinationRule(namespace: string): DestinationRule {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: "web-dr", namespace },
    spec: {
      host: "web",
      trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" } },
      subsets: [
        { name: "stable", labels: { app: "web" } },
        { name: "canary", labels: { app: "web" } },
        legacySubset,
      ],
    },
  } as DestinationRule;
}

function rollout(namespace: string, steps: unknown[], istio: Record<string, unknown>): Rollout {
  return trafficRollout(namespace, steps, { scaleDownDelaySeconds: 1, trafficRouting: { istio } });
}

const setUp = (t: TestContext, prefix: string) => setUpTraffic(t, prefix, { routeCrds: true });

const primaryOf = (vs: VirtualService) => vs.spec?.http?.find((r) => r.name === "primary");
const weightsOf = (vs: VirtualService) =>
  (primaryOf(vs)?.route ?? [])
    .map((d) => `${d.destination?.subset ?? d.destination?.host}=${d.weight}`)
    .join(",");

test("Istio: a canary of 10 walks 5 → 25 → 50 → 100 by VirtualService weights, pods first", async (t) => {
  const namespace = await setUp(t, "istio");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(VirtualServices, virtualService(namespace, hostRoute(namespace)), "test");
  const steps = [
    { setWeight: 5 },
    { pause: {} },
    { setWeight: 25 },
    { pause: {} },
    { setWeight: 50 },
    { pause: {} },
  ];
  const istio = { virtualService: { name: "web-vs", routes: ["primary"] } };
  await client.create(Rollouts, rollout(namespace, steps, istio), "test");
  const v1 = await web.until(
    "v1 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 10,
  );
  const stableHash = v1.status?.stableRS ?? "";
  const vsNow = () => client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
  const before = await vsNow();
  const stableHost = `web-stable.${namespace}.svc.cluster.local`;
  const want = (w: number) => `${stableHost}=${100 - w},web-canary=${w}`;

  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const vsWatch = recordWatch<VirtualService>(t, VirtualServices, { namespace });
  await web.patchSpec({ template: podTemplate("web:2", { "kwok.sluice.dev/ready-after": "2s" }) });
  const atStep = async (index: number, weight: number, canaryPods: number) => {
    const r = await web.until(
      `paused at step ${index}`,
      (x) => x.status?.currentStepIndex === index && (x.status.pauseConditions?.length ?? 0) > 0,
      60_000,
    );
    const canaryHash = r.status?.currentPodHash ?? "";
    const now = await waitFor(`weights ${want(weight)}`, async () => {
      const live = await vsNow();
      return weightsOf(live) === want(weight) ? live : pending(weightsOf(live));
    });
    assert.deepEqual(now.spec?.http?.[0], before.spec?.http?.[0], "the docs route is untouched");
    const scales = await scalesByHash(namespace);
    assert.deepEqual(scales[canaryHash], [canaryPods, canaryPods]);
    assert.deepEqual(scales[stableHash], [10, 10]);
    const podsReady = podsReadyAt(rsWatch.events, canaryHash, canaryPods);
    const weighted = Math.min(
      ...vsWatch.events.filter((e) => weightsOf(e.object) === want(weight)).map((e) => revisionOf(e)),
    );
    assert.ok(podsReady < weighted, `pods ready (rev ${podsReady}) before ${want(weight)} (rev ${weighted})`);
    return canaryHash;
  };
  await walk(web, atStep);
  assert.ok(
    vsWatch.events.some((e) => weightsOf(e.object) === want(100)),
    "100 % before promotion",
  );
  const after = await waitFor("weights back on the (new) stable", async () => {
    const live = await vsNow();
    return weightsOf(live) === want(0) ? live : pending(weightsOf(live));
  });
  assert.equal(
    JSON.stringify(after.spec?.http?.[0]),
    JSON.stringify(before.spec?.http?.[0]),
    "byte for byte",
  );
  assert.deepEqual(after.spec?.hosts, before.spec?.hosts);
  assert.deepEqual(after.spec?.gateways, before.spec?.gateways);
  const writes = await sluiceWrites(namespace, "virtualservices");
  t.diagnostic(`sluice wrote the VirtualService ${writes} times`);
  assert.ok(writes <= 6, `one write per weight (5, 25, 50, 100, 0), got ${writes}`);
});

test("Istio: a subset-level split keeps the DestinationRule's subsets on the canary's and the stable's hashes", async (t) => {
  const namespace = await setUp(t, "istio-subsets");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(VirtualServices, virtualService(namespace, subsetRoute), "test");
  await client.create(DestinationRules, destinationRule(namespace), "test");
  const istio = {
    virtualService: { name: "web-vs", routes: ["primary"] },
    destinationRule: { name: "web-dr", canarySubsetName: "canary", stableSubsetName: "stable" },
  };
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 20 }, { pause: {} }], istio), "test");
  const v1 = await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  const v1Hash = v1.status?.stableRS ?? "";
  const ruleNow = () => client.get<DestinationRule>(DestinationRules, { namespace, name: "web-dr" });
  const hashesOf = (rule: DestinationRule) =>
    (rule.spec?.subsets ?? []).map((s) => `${s.name}=${s.labels?.[HASH] ?? "-"}`).join(",");
  const subsetsAt = (stable: string, canary: string) =>
    waitFor(`subsets stable=${stable} canary=${canary}`, async () => {
      const live = await ruleNow();
      return hashesOf(live) === `stable=${stable},canary=${canary},legacy=-` ? live : pending(hashesOf(live));
    });
  const atV1 = await subsetsAt(v1Hash, v1Hash);
  assert.deepEqual(atV1.spec?.subsets?.[0]?.labels, { app: "web", [HASH]: v1Hash }, "other labels kept");
  assert.deepEqual(atV1.spec?.subsets?.[2], legacySubset, "another subset untouched");
  assert.deepEqual(atV1.spec?.trafficPolicy, { loadBalancer: { simple: "ROUND_ROBIN" } });

  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "paused at 20 %",
    (x) => x.status?.currentStepIndex === 1 && (x.status.pauseConditions?.length ?? 0) > 0,
    60_000,
  );
  const v2Hash = paused.status?.currentPodHash ?? "";
  assert.notEqual(v2Hash, v1Hash);
  await subsetsAt(v1Hash, v2Hash);
  const during = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
  assert.equal(weightsOf(during), "stable=80,canary=20");

  await web.patchStatus({ pauseConditions: null });
  await web.until("v2 Healthy", (r) => r.status?.phase === "Healthy" && r.status.stableRS === v2Hash, 60_000);
  const promoted = await subsetsAt(v2Hash, v2Hash);
  assert.deepEqual(promoted.spec?.subsets?.[2], legacySubset);
  await waitFor("weights back on stable", async () => {
    const live = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
    return weightsOf(live) === "stable=100,canary=0" ? live : pending(weightsOf(live));
  });
});

test("Istio: header and mirror routes added by their steps, first in managedRoutes order, gone after promotion", async (t) => {
  const namespace = await setUp(t, "istio-routes");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(VirtualServices, virtualService(namespace, hostRoute(namespace)), "test");
  const r = rollout(
    namespace,
    [
      { setWeight: 20 },
      {
        setHeaderRoute: {
          name: "beta-users",
          match: [{ headerName: "X-Beta", headerValue: { exact: "yes" } }],
        },
      },
      { setMirrorRoute: { name: "mirror-api", percentage: 50, match: [{ path: { prefix: "/api" } }] } },
      { pause: {} },
    ],
    { virtualService: { name: "web-vs", routes: ["primary"] } },
  );
  const canary = r.spec?.strategy?.canary;
  if (canary?.trafficRouting)
    canary.trafficRouting.managedRoutes = [{ name: "mirror-api" }, { name: "beta-users" }];
  await client.create(Rollouts, r, "test");
  await web.until("v1 Healthy", (x) => x.status?.phase === "Healthy");
  const original = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until(
    "paused after the route steps",
    (x) => x.status?.currentStepIndex === 3 && (x.status.pauseConditions?.length ?? 0) > 0,
    60_000,
  );
  const names = (x: VirtualService) => (x.spec?.http ?? []).map((route) => route.name ?? "(unnamed)");
  const during = await waitFor("both managed routes", async () => {
    const live = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
    return names(live).length === 4 ? live : pending(names(live).join(","));
  });
  assert.deepEqual(names(during), ["mirror-api", "beta-users", "docs", "primary"]);
  const [mirror, header] = during.spec?.http ?? [];
  assert.deepEqual(header, {
    name: "beta-users",
    match: [{ headers: { "X-Beta": { exact: "yes" } } }],
    route: [{ destination: { host: "web-canary", port: { number: 80 } } }],
  });
  assert.deepEqual(mirror?.match, [{ uri: { prefix: "/api" } }]);
  assert.deepEqual(mirror?.route, primaryOf(during)?.route, "the mirror route splits as the primary does");
  assert.equal(weightsOf(during), `web-stable.${namespace}.svc.cluster.local=80,web-canary=20`);
  assert.deepEqual(mirror?.mirror, { host: "web-canary", port: { number: 80 } });
  assert.deepEqual(mirror?.mirrorPercentage, { value: 50 });
  await web.patchStatus({ pauseConditions: null });
  await web.until(
    "v2 Healthy",
    (x) => x.status?.phase === "Healthy" && x.status.stableRS === x.status.currentPodHash,
    60_000,
  );
  const after = await waitFor("the managed routes removed, weights back", async () => {
    const live = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
    return names(live).length === 2 && weightsOf(live) === weightsOf(original)
      ? live
      : pending(`${names(live).join(",")} ${weightsOf(live)}`);
  });
  assert.deepEqual(after.spec, original.spec, "the VirtualService is as it was before the update");
});

test("Istio: a missing VirtualService is InvalidSpec naming it; creating it recovers", async (t) => {
  const namespace = await setUp(t, "istio-missing");
  const client = testClient();
  const web = rolloutIn(namespace);
  const istio = { virtualService: { name: "web-vs", routes: ["primary"] } };
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }], istio), "test");
  const invalid = await web.until(
    "InvalidSpec",
    (r) => r.status?.conditions?.some((c) => c.type === "InvalidSpec") ?? false,
  );
  assert.match(
    invalid.status?.conditions?.find((c) => c.type === "InvalidSpec")?.message ?? "",
    /spec\.strategy\.canary\.trafficRouting\.istio\.virtualService\.name: VirtualService "web-vs" not found/,
  );
  await client.create(VirtualServices, virtualService(namespace, hostRoute(namespace)), "test");
  await web.until(
    "Healthy once the VirtualService exists",
    (r) => r.status?.phase === "Healthy" && !r.status.conditions?.some((c) => c.type === "InvalidSpec"),
  );
});

test("Istio: a route the VirtualService does not have is InvalidSpec with an Event naming it; adding it recovers", async (t) => {
  const namespace = await setUp(t, "istio-noroute");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(
    VirtualServices,
    virtualService(namespace, { ...hostRoute(namespace), name: "other" }),
    "test",
  );
  const istio = { virtualService: { name: "web-vs", routes: ["primary"] } };
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }], istio), "test");
  const invalid = await web.until(
    "InvalidSpec",
    (r) => r.status?.conditions?.some((c) => c.type === "InvalidSpec") ?? false,
  );
  const message = invalid.status?.conditions?.find((c) => c.type === "InvalidSpec")?.message ?? "";
  assert.match(message, /primary/, message);
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "InvalidSpec" && /primary/.test(e.message ?? "")));
  const live = await client.get<VirtualService>(VirtualServices, { namespace, name: "web-vs" });
  await client.mergePatch(
    VirtualServices,
    { namespace, name: "web-vs" },
    { spec: { http: [...(live.spec?.http ?? []), hostRoute(namespace)] } },
    "test",
  );
  await web.until(
    "Healthy once the route exists",
    (r) => r.status?.phase === "Healthy" && !r.status.conditions?.some((c) => c.type === "InvalidSpec"),
  );
});
