// The nginx router's canary Ingress, built from the stable one: only the paths to the stable
// Service (pointed at the canary Service), TLS and class copied, annotations in the peer's order;
// written only when something differs; problems named with the field and the object.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { NO_ROUTES } from "../../../src/trafficrouting/managed-routes.ts";
import { canaryIngress, type Ingress, nginxRouter } from "../../../src/trafficrouting/nginx/index.ts";

const rollout = (nginx: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Rollout => ({
  metadata: { name: "web", namespace: "ns", uid: "u1" },
  spec: {
    strategy: {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        trafficRouting: { nginx: { stableIngress: "web-ing", ...nginx }, ...extra },
      },
    },
  },
});

const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
const stable: Ingress = {
  metadata: {
    name: "web-ing",
    namespace: "ns",
    annotations: { "kubernetes.io/ingress.class": "nginx", other: "x" },
  },
  spec: {
    ingressClassName: "nginx",
    tls: [{ hosts: ["a.example.com"] }],
    rules: [
      {
        host: "a.example.com",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: backend("web-stable") },
            { path: "/x", pathType: "Prefix", backend: backend("x") },
          ],
        },
      },
      { host: "b.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("x") }] } },
    ],
  },
};

test("the canary Ingress copies the stable paths only, pointed at the canary Service", () => {
  const canary = canaryIngress(rollout(), stable, 20);
  assert.equal(canary.metadata?.name, "web-web-ing-canary");
  assert.deepEqual(canary.spec, {
    rules: [
      {
        host: "a.example.com",
        http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("web-canary") }] },
      },
    ],
    ingressClassName: "nginx",
    tls: [{ hosts: ["a.example.com"] }],
  });
  assert.deepEqual(canary.metadata?.annotations, {
    "kubernetes.io/ingress.class": "nginx",
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": "20",
  });
  assert.deepEqual(canary.metadata?.ownerReferences, [
    { apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: "web", uid: "u1", controller: true },
  ]);
});

test("annotations: additional (prefixed), canary (verbatim, winning), then canary and weight; weight total", () => {
  const canary = canaryIngress(
    rollout(
      {
        annotationPrefix: "custom.io",
        additionalIngressAnnotations: { "canary-by-header": "X-Canary" },
        canaryIngressAnnotations: { "custom.io/canary-by-header": "X-Override", "team.io/x": "1" },
      },
      { maxTrafficWeight: 1000 },
    ),
    stable,
    50,
  );
  assert.deepEqual(canary.metadata?.annotations, {
    "kubernetes.io/ingress.class": "nginx",
    "custom.io/canary-by-header": "X-Override",
    "team.io/x": "1",
    "custom.io/canary": "true",
    "custom.io/canary-weight": "50",
    "custom.io/canary-weight-total": "1000",
  });
});

const lookupOf = (objects: KubeObject[]) => (_kind: string, name: string) =>
  objects.find((o) => o.metadata?.name === name);

test("writes only what differs from the live canary Ingress; foreign annotations do not count", () => {
  const r = rollout();
  const desired = canaryIngress(r, stable, 5);
  assert.equal(
    nginxRouter.writes({
      rollout: r,
      weight: 5,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([stable]),
    }).length,
    1,
  );
  const live = {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, "team/x": "y" } },
  };
  assert.deepEqual(
    nginxRouter.writes({
      rollout: r,
      weight: 5,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([stable, live]),
    }),
    [],
  );
  // As the API server returns it: the same fields in another order.
  const { rules, ...rest } = desired.spec ?? {};
  const reordered = { ...live, spec: { ...rest, rules } };
  assert.deepEqual(
    nginxRouter.writes({
      rollout: r,
      weight: 5,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([stable, reordered]),
    }),
    [],
  );
  assert.equal(
    nginxRouter.writes({
      rollout: r,
      weight: 10,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: lookupOf([stable, live]),
    }).length,
    1,
  );
});

test("problems name the field and the object: missing, no stable paths, a canary Ingress not ours", () => {
  const r = rollout();
  assert.deepEqual(nginxRouter.problems({ rollout: r, lookup: lookupOf([]) }), [
    {
      path: "spec.strategy.canary.trafficRouting.nginx.stableIngress",
      message: 'Ingress "web-ing" not found',
    },
  ]);
  const noStablePath = { ...stable, spec: { rules: [{ http: { paths: [{ backend: backend("x") }] } }] } };
  assert.match(
    nginxRouter.problems({ rollout: r, lookup: lookupOf([noStablePath]) })[0]?.message ?? "",
    /ingress `web-ing` has no rules using service web-stable backend/,
  );
  const foreign = { metadata: { name: "web-web-ing-canary", ownerReferences: [] } };
  assert.match(
    nginxRouter.problems({ rollout: r, lookup: lookupOf([stable, foreign]) })[0]?.message ?? "",
    /Ingress "web-web-ing-canary" exists and is not controlled by this Rollout/,
  );
  const several = rollout({ stableIngress: undefined, stableIngresses: ["a", "web-ing"] });
  assert.deepEqual(
    nginxRouter.problems({ rollout: several, lookup: lookupOf([stable]) }).map((p) => p.path),
    ["spec.strategy.canary.trafficRouting.nginx.stableIngresses[0]"],
  );
});
