// The Istio router: weights of the canary and stable destinations (by host in any of its forms,
// or by subset with a DestinationRule whose subsets get the pod-template hashes) in the selected
// routes only; sluice's header and mirror routes first in spec.http, gone when not in force;
// every other route and field as it was; written only on change, as a patch tied to the version
// read; problems name the field. And the validator's rules for trafficRouting.istio.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CanaryStep, Rollout } from "../../../src/api/rollout.ts";
import { validateRollout } from "../../../src/api/rollout-validation.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import type { DestinationRule } from "../../../src/trafficrouting/istio/destination-rule.ts";
import type { VirtualService } from "../../../src/trafficrouting/istio/destinations.ts";
import { istioRouter } from "../../../src/trafficrouting/istio/index.ts";
import {
  activeManagedRoutes,
  type ManagedRoutes,
  NO_ROUTES,
} from "../../../src/trafficrouting/managed-routes.ts";
import type { RoutedKind, RoutingWrite } from "../../../src/trafficrouting/router.ts";

function rollout(istio: Record<string, unknown>, extra: Record<string, unknown> = {}): Rollout {
  return {
    metadata: { name: "web", namespace: "ns" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } } },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          trafficRouting: { istio, ...extra },
        },
      },
    },
  };
}

const dest = (host: string, weight?: number, subset?: string) => ({
  destination: { host, ...(subset ? { subset } : {}), port: { number: 80 } },
  ...(weight !== undefined ? { weight } : {}),
});

const docs = { name: "docs", match: [{ uri: { prefix: "/docs" } }], route: [dest("docs")] };
const primary = {
  name: "primary",
  match: [{ uri: { prefix: "/" } }],
  route: [dest("web-stable.ns.svc.cluster.local", 100), dest("web-canary", 0)],
};

const vsWith = (http: unknown[], spec: Record<string, unknown> = {}): VirtualService => ({
  metadata: { name: "web-vs", namespace: "ns", resourceVersion: "42" },
  spec: { hosts: ["web.example.com"], gateways: ["gw"], http: http as never, ...spec },
});

const lookupOf =
  (objects: (KubeObject & { kind?: string })[]) => (kind: RoutedKind, name: string, namespace?: string) =>
    objects.find(
      (o) =>
        o.kind === kind &&
        o.metadata?.name === name &&
        (o.metadata?.namespace ?? "ns") === (namespace ?? "ns"),
    );
const asKind = <T extends KubeObject>(kind: string, o: T) => ({ ...o, kind });

function writesOf(
  r: Rollout,
  objects: KubeObject[],
  weight: number,
  routes: ManagedRoutes = NO_ROUTES,
  hashes = { canary: "c1", stable: "s1" },
): RoutingWrite[] {
  return istioRouter.writes({ rollout: r, weight, routes, hashes, lookup: lookupOf(objects) });
}

const patchOf = (write: RoutingWrite | undefined) => {
  assert.ok(write && "patch" in write);
  return write.patch as { spec: Record<string, { name?: string; route?: { weight?: number }[] }[]> };
};
const weightsIn = (route: { route?: { weight?: number }[] } | undefined) =>
  route?.route?.map((d) => d.weight);

test("host split: the named route's canary and stable (short or FQDN host) get the weights; the foreign route is untouched", () => {
  const vs = asKind("VirtualService", vsWith([docs, primary]));
  const r = rollout({ virtualService: { name: "web-vs", routes: ["primary"] } });
  const [write, ...more] = writesOf(r, [vs], 20);
  assert.equal(more.length, 0);
  assert.ok(write && "patch" in write);
  assert.equal(write.kind, "VirtualService");
  assert.equal(write.resourceVersion, "42");
  assert.deepEqual(write.patch, {
    spec: {
      http: [
        docs,
        { ...primary, route: [dest("web-stable.ns.svc.cluster.local", 80), dest("web-canary", 20)] },
      ],
    },
  });
  // Other forms of the host in the Rollout's namespace; another namespace's Service is not the canary.
  for (const host of ["web-canary.ns", "web-canary.ns.svc", "web-canary.ns.svc.cluster.local"]) {
    const route = { ...primary, route: [dest("web-stable", 100), dest(host, 0)] };
    const [w] = writesOf(r, [asKind("VirtualService", vsWith([route]))], 30);
    assert.deepEqual(weightsIn(patchOf(w).spec.http?.[0]), [70, 30], host);
  }
  const elsewhere = {
    ...primary,
    route: [dest("web-stable", 100), dest("web-canary.other.svc.cluster.local", 0)],
  };
  assert.match(
    istioRouter
      .problems({ rollout: r, lookup: lookupOf([asKind("VirtualService", vsWith([elsewhere]))]) })
      .map((p) => `${p.path}: ${p.message}`)
      .join(),
    /virtualService\.routes\[0\]: VirtualService "web-vs" http route "primary" needs destinations to both Services web-stable and web-canary/,
  );
});

test("nothing is written when the weights are already there", () => {
  const vs = asKind("VirtualService", vsWith([docs, primary]));
  assert.deepEqual(
    writesOf(rollout({ virtualService: { name: "web-vs", routes: ["primary"] } }), [vs], 0),
    [],
  );
});

test("routes: absent selects the only http route; several, or a name the VirtualService lacks, are problems", () => {
  const unnamed = { route: [dest("web-stable", 100), dest("web-canary", 0)] };
  const implicit = rollout({ virtualService: { name: "web-vs" } });
  const [write] = writesOf(implicit, [asKind("VirtualService", vsWith([unnamed]))], 50);
  assert.deepEqual(weightsIn(patchOf(write).spec.http?.[0]), [50, 50]);
  const problemsOf = (r: Rollout, vs: VirtualService) =>
    istioRouter
      .problems({ rollout: r, lookup: lookupOf([asKind("VirtualService", vs)]) })
      .map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problemsOf(implicit, vsWith([unnamed])), []);
  assert.deepEqual(problemsOf(implicit, vsWith([docs, primary])), [
    'spec.strategy.canary.trafficRouting.istio.virtualService.routes: VirtualService "web-vs" has 2 http routes: name the ones to split in routes',
  ]);
  const named = rollout({ virtualServices: [{ name: "web-vs", routes: ["primary", "nope"] }] });
  assert.deepEqual(problemsOf(named, vsWith([docs, primary])), [
    'spec.strategy.canary.trafficRouting.istio.virtualServices[0].routes[1]: VirtualService "web-vs" has no http route "nope"',
  ]);
  assert.deepEqual(problemsOf(implicit, vsWith([])), [
    'spec.strategy.canary.trafficRouting.istio.virtualService.name: VirtualService "web-vs" has no http, tls or tcp route',
  ]);
});

test("a missing VirtualService or DestinationRule, or a missing subset, is a problem naming its field", () => {
  const r = rollout({
    virtualService: { name: "web-vs" },
    destinationRule: { name: "web-dr", canarySubsetName: "canary", stableSubsetName: "stable" },
  });
  const problems = (objects: KubeObject[]) =>
    istioRouter.problems({ rollout: r, lookup: lookupOf(objects) }).map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problems([]), [
    'spec.strategy.canary.trafficRouting.istio.virtualService.name: VirtualService "web-vs" not found',
    'spec.strategy.canary.trafficRouting.istio.destinationRule.name: DestinationRule "web-dr" not found',
  ]);
  const subsetRoute = { route: [dest("web", 100, "stable"), dest("web", 0, "canary")] };
  const rule = asKind("DestinationRule", {
    metadata: { name: "web-dr", namespace: "ns", resourceVersion: "7" },
    spec: { host: "web", subsets: [{ name: "stable", labels: { app: "web" } }] },
  });
  assert.deepEqual(problems([asKind("VirtualService", vsWith([subsetRoute])), rule]), [
    'spec.strategy.canary.trafficRouting.istio.destinationRule.canarySubsetName: DestinationRule "web-dr" has no subset "canary"',
  ]);
});

test("subset split: destinations by subset; the DestinationRule's two subsets get the hashes, the rest as it was", () => {
  const r = rollout({
    virtualService: { name: "web-vs" },
    destinationRule: { name: "web-dr", canarySubsetName: "canary", stableSubsetName: "stable" },
  });
  const vs = asKind(
    "VirtualService",
    vsWith([{ route: [dest("web", 100, "stable"), dest("web", 0, "canary")] }]),
  );
  const other = {
    name: "legacy",
    labels: { app: "web", track: "legacy" },
    trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } },
  };
  const rule: DestinationRule = {
    metadata: { name: "web-dr", namespace: "ns", resourceVersion: "7" },
    spec: {
      host: "web",
      trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" } },
      subsets: [
        { name: "stable", labels: { app: "web", "rollouts-pod-template-hash": "s1" } },
        { name: "canary", labels: { app: "web", "rollouts-pod-template-hash": "s1" } },
        other,
      ],
    },
  };
  // A new update: the canary subset moves, after the weights (here unchanged, so alone).
  const writes = writesOf(r, [vs, asKind("DestinationRule", rule)], 0, NO_ROUTES, {
    canary: "c1",
    stable: "s1",
  });
  assert.equal(writes.length, 1);
  const [write] = writes;
  assert.ok(write && "patch" in write);
  assert.equal(write.kind, "DestinationRule");
  assert.equal(write.resourceVersion, "7");
  assert.deepEqual(write.patch, {
    spec: {
      subsets: [
        { name: "stable", labels: { app: "web", "rollouts-pod-template-hash": "s1" } },
        { name: "canary", labels: { app: "web", "rollouts-pod-template-hash": "c1" } },
        other,
      ],
    },
  });
  // Weights and the canary subset moving: weights first.
  const both = writesOf(r, [vs, asKind("DestinationRule", rule)], 10, NO_ROUTES, {
    canary: "c1",
    stable: "s1",
  });
  assert.deepEqual(
    both.map((w) => w.kind),
    ["VirtualService", "DestinationRule"],
  );
  assert.deepEqual(weightsIn(patchOf(both[0]).spec.http?.[0]), [90, 10]);
  // Promotion: only the stable subset moves (to the canary's pods): it goes first.
  const promoted = {
    ...rule,
    spec: {
      ...rule.spec,
      subsets: [
        { name: "stable", labels: { "rollouts-pod-template-hash": "s1" } },
        { name: "canary", labels: { "rollouts-pod-template-hash": "c1" } },
      ],
    },
  };
  const vsAt100 = asKind(
    "VirtualService",
    vsWith([{ route: [dest("web", 0, "stable"), dest("web", 100, "canary")] }]),
  );
  assert.deepEqual(
    writesOf(r, [vsAt100, asKind("DestinationRule", promoted)], 0, NO_ROUTES, {
      canary: "c1",
      stable: "c1",
    }).map((w) => w.kind),
    ["DestinationRule", "VirtualService"],
  );
  // Labels already there: nothing.
  const settled = {
    ...rule,
    spec: {
      ...rule.spec,
      subsets: [
        rule.spec?.subsets?.[0],
        { ...rule.spec?.subsets?.[1], labels: { app: "web", "rollouts-pod-template-hash": "c1" } },
        other,
      ],
    },
  };
  assert.deepEqual(
    writesOf(r, [vs, asKind("DestinationRule", settled)], 0, NO_ROUTES, { canary: "c1", stable: "s1" }),
    [],
  );
});

const headerStep = (name: string): CanaryStep => ({
  setHeaderRoute: {
    name,
    match: [
      { headerName: "X-Beta", headerValue: { exact: "yes" } },
      { headerName: "X-Tier", headerValue: { prefix: "gold" } },
    ],
  },
});
const mirrorStep = (name: string): CanaryStep => ({
  setMirrorRoute: {
    name,
    percentage: 30,
    match: [
      { method: { exact: "GET" }, path: { prefix: "/api" }, headers: { "X-Mirror": { regex: "y.*" } } },
    ],
  },
});

test("header and mirror routes: first in spec.http in managedRoutes order, mirror splitting as the route does; gone when not in force", () => {
  const steps = [headerStep("beta"), mirrorStep("mirror-api"), { pause: {} }];
  const r = rollout(
    { virtualService: { name: "web-vs", routes: ["primary"] } },
    { managedRoutes: [{ name: "mirror-api" }, { name: "beta" }] },
  );
  const canary = r.spec?.strategy?.canary;
  if (canary) canary.steps = steps;
  const routes = activeManagedRoutes(r, 2, true);
  const vs = asKind("VirtualService", vsWith([docs, primary]));
  const [write] = writesOf(r, [vs], 20, routes);
  const http = patchOf(write).spec.http ?? [];
  assert.deepEqual(
    http.map((route) => route.name),
    ["mirror-api", "beta", "docs", "primary"],
  );
  const weightedRoute = [dest("web-stable.ns.svc.cluster.local", 80), dest("web-canary", 20)];
  assert.deepEqual(http[0], {
    name: "mirror-api",
    match: [{ method: { exact: "GET" }, uri: { prefix: "/api" }, headers: { "X-Mirror": { regex: "y.*" } } }],
    route: weightedRoute,
    mirror: { host: "web-canary", port: { number: 80 } },
    mirrorPercentage: { value: 30 },
  });
  assert.deepEqual(http[1], {
    name: "beta",
    match: [{ headers: { "X-Beta": { exact: "yes" } } }, { headers: { "X-Tier": { prefix: "gold" } } }],
    route: [{ destination: { host: "web-canary", port: { number: 80 } } }],
  });
  assert.deepEqual(http[2], docs, "the foreign route is untouched");
  // In force and in place: nothing to write.
  const live = asKind("VirtualService", vsWith(http));
  assert.deepEqual(writesOf(r, [live], 20, routes), []);
  // Off the steps: sluice's routes go, the user's stay as they were.
  const [removal] = writesOf(r, [live], 0, NO_ROUTES);
  assert.deepEqual(patchOf(removal).spec.http, [docs, primary]);
  // A subset split sends header routes to the canary subset.
  const subsets = rollout(
    {
      virtualService: { name: "web-vs" },
      destinationRule: { name: "web-dr", canarySubsetName: "canary", stableSubsetName: "stable" },
    },
    { managedRoutes: [{ name: "beta" }] },
  );
  const subsetVs = asKind(
    "VirtualService",
    vsWith([{ route: [dest("web", 100, "stable"), dest("web", 0, "canary")] }]),
  );
  const headerOnly = { headers: routes.headers, mirrors: [], order: ["beta"] };
  const [subsetWrite] = writesOf(subsets, [subsetVs], 0, headerOnly);
  assert.deepEqual(patchOf(subsetWrite).spec.http?.[0]?.route, [
    { destination: { host: "web", subset: "canary", port: { number: 80 } } },
  ]);
});

test("TLS routes by port and SNI hosts, TCP routes by port; the others untouched", () => {
  const tls = (port: number, sniHosts: string[], canaryHost = "web-canary") => ({
    match: [{ port, sniHosts }],
    route: [dest("web-stable", 100), dest(canaryHost, 0)],
  });
  const tcp = (port: number) => ({
    match: [{ port }],
    route: [dest("web-stable", 100), dest("web-canary", 0)],
  });
  const vs = asKind(
    "VirtualService",
    vsWith([], {
      tls: [tls(443, ["a.example.com"]), tls(443, ["b.example.com", "c.example.com"])],
      tcp: [tcp(5432), tcp(6379)],
    }),
  );
  const { http: _http, ...spec } = vs.spec ?? {};
  const noHttp = { ...vs, spec };
  const r = rollout({
    virtualService: {
      name: "web-vs",
      tlsRoutes: [{ port: 443, sniHosts: ["c.example.com", "b.example.com"] }],
      tcpRoutes: [{ port: 6379 }],
    },
  });
  const [write] = writesOf(r, [noHttp], 40);
  const patch = patchOf(write);
  assert.equal(patch.spec.http, undefined);
  assert.deepEqual(patch.spec.tls?.map(weightsIn), [
    [100, 0],
    [60, 40],
  ]);
  assert.deepEqual(patch.spec.tcp?.map(weightsIn), [
    [100, 0],
    [60, 40],
  ]);
  const unmatched = rollout({
    virtualService: {
      name: "web-vs",
      tlsRoutes: [{ port: 8443, sniHosts: ["a.example.com"] }],
      tcpRoutes: [{ port: 5432 }],
    },
  });
  assert.deepEqual(
    istioRouter
      .problems({ rollout: unmatched, lookup: lookupOf([noHttp]) })
      .map((p) => `${p.path}: ${p.message}`),
    [
      'spec.strategy.canary.trafficRouting.istio.virtualService.tlsRoutes[0]: VirtualService "web-vs" has no tls route on port 8443 with sniHosts [a.example.com]',
    ],
  );
  // Several TLS routes and no tlsRoutes: name them.
  assert.match(
    istioRouter.problems({
      rollout: rollout({ virtualService: { name: "web-vs", tcpRoutes: [{ port: 6379 }] } }),
      lookup: lookupOf([noHttp]),
    })[0]?.message ?? "",
    /has 2 tls routes: name the ones to split in tlsRoutes/,
  );
});

test("references: every VirtualService (`name.namespace` in another namespace) and the DestinationRule", () => {
  const r = rollout({
    virtualServices: [{ name: "web-vs" }, { name: "edge.gateways" }],
    destinationRule: { name: "web-dr", canarySubsetName: "canary", stableSubsetName: "stable" },
  });
  assert.deepEqual(
    istioRouter.references(r).map((ref) => `${ref.kind}/${ref.namespace ?? "-"}/${ref.name} ${ref.field}`),
    [
      "VirtualService/-/web-vs spec.strategy.canary.trafficRouting.istio.virtualServices[0].name",
      "VirtualService/gateways/edge spec.strategy.canary.trafficRouting.istio.virtualServices[1].name",
      "DestinationRule/-/web-dr spec.strategy.canary.trafficRouting.istio.destinationRule.name",
    ],
  );
  const vs = asKind("VirtualService", {
    ...vsWith([primary]),
    metadata: { name: "edge", namespace: "gateways", resourceVersion: "3" },
  });
  const [write] = istioRouter.writes({
    rollout: rollout({ virtualService: { name: "edge.gateways" } }),
    weight: 5,
    routes: NO_ROUTES,
    hashes: { canary: "c", stable: "s" },
    lookup: lookupOf([vs]),
  });
  assert.equal(write?.namespace, "gateways");
});

test("maxTrafficWeight (with nginx alongside) is turned into Istio's percentages", () => {
  const r = rollout(
    { virtualService: { name: "web-vs", routes: ["primary"] } },
    { nginx: { stableIngress: "ing" }, maxTrafficWeight: 1000 },
  );
  const [write] = writesOf(r, [asKind("VirtualService", vsWith([primary]))], 250);
  assert.deepEqual(weightsIn(patchOf(write).spec.http?.[0]), [75, 25]);
});

const errors = (r: Rollout) =>
  validateRollout(r)
    .filter((p) => p.severity === "error")
    .map((p) => `${p.path}: ${p.message}`);

test("validation: virtualService xor virtualServices, a name each, a whole destinationRule; maxTrafficWeight not for Istio alone; Istio mirrors", () => {
  const base = "spec.strategy.canary.trafficRouting";
  assert.deepEqual(errors(rollout({ virtualService: { name: "vs" } })), []);
  assert.deepEqual(errors(rollout({})), [`${base}.istio: istio needs virtualService or virtualServices`]);
  assert.deepEqual(errors(rollout({ virtualService: { name: "a" }, virtualServices: [{ name: "b" }] })), [
    `${base}.istio.virtualServices: virtualService and virtualServices cannot both be set`,
  ]);
  assert.deepEqual(errors(rollout({ virtualServices: [{ name: "a" }, { routes: ["x"] }] })), [
    `${base}.istio.virtualServices[1].name: a VirtualService needs a name`,
  ]);
  assert.deepEqual(
    errors(
      rollout({ virtualService: { name: "vs" }, destinationRule: { name: "dr", canarySubsetName: "c" } }),
    ),
    [`${base}.istio.destinationRule.stableSubsetName: destinationRule needs stableSubsetName`],
  );
  assert.deepEqual(
    errors(
      rollout({
        virtualService: { name: "vs" },
        destinationRule: { name: "dr", canarySubsetName: "x", stableSubsetName: "x" },
      }),
    ),
    [
      `${base}.istio.destinationRule.stableSubsetName: canarySubsetName and stableSubsetName must be different subsets`,
    ],
  );
  assert.deepEqual(errors(rollout({ virtualService: { name: "vs" } }, { maxTrafficWeight: 1000 })), [
    `${base}.maxTrafficWeight: maxTrafficWeight is only supported with nginx and plugins`,
  ]);
  const withMirror = rollout({ virtualService: { name: "vs" } }, { managedRoutes: [{ name: "m" }] });
  const canary = withMirror.spec?.strategy?.canary;
  if (canary) canary.steps = [{ setWeight: 10 }, mirrorStep("m")];
  assert.deepEqual(errors(withMirror), []);
});
