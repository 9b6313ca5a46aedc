// Header and mirror routes: which are in force at a step (set by steps, removed by an empty
// match, all gone off the steps), how each router carries them, and what the validator refuses.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CanaryStep, Rollout } from "../../../src/api/rollout.ts";
import { validateRollout } from "../../../src/api/rollout-validation.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { desiredRules, type Route } from "../../../src/trafficrouting/gatewayapi/index.ts";
import { activeManagedRoutes, NO_ROUTES } from "../../../src/trafficrouting/managed-routes.ts";
import { canaryIngress } from "../../../src/trafficrouting/nginx/index.ts";

const header = (name: string, value?: Record<string, string>): CanaryStep => ({
  setHeaderRoute: { name, ...(value ? { match: [{ headerName: "X-Canary", headerValue: value }] } : {}) },
});
const mirror = (name: string): CanaryStep => ({
  setMirrorRoute: { name, percentage: 30, match: [{ method: { exact: "GET" }, path: { prefix: "/api" } }] },
});

function rollout(
  steps: CanaryStep[],
  routing: Record<string, unknown> = { gatewayAPI: { httpRoute: "r" } },
): Rollout {
  return {
    metadata: { name: "web", namespace: "ns", uid: "u" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } } },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          trafficRouting: {
            ...routing,
            managedRoutes: [{ name: "mirror-1" }, { name: "h1" }, { name: "h2" }],
          },
          steps,
        },
      },
    },
  };
}

test("routes in force: set by their steps in managedRoutes order, removed by an empty match, none off the steps", () => {
  const r = rollout([
    header("h2", { exact: "a" }),
    header("h1", { prefix: "b" }),
    { pause: {} },
    header("h2"),
    mirror("mirror-1"),
  ]);
  assert.deepEqual(
    activeManagedRoutes(r, 0, true).headers.map((h) => h.name),
    ["h2"],
  );
  assert.deepEqual(
    activeManagedRoutes(r, 2, true).headers.map((h) => h.name),
    ["h1", "h2"],
  );
  assert.deepEqual(
    activeManagedRoutes(r, 3, true).headers.map((h) => h.name),
    ["h1"],
  );
  assert.deepEqual(
    activeManagedRoutes(r, 4, true).mirrors.map((m) => m.name),
    ["mirror-1"],
  );
  assert.deepEqual(activeManagedRoutes(r, 4, false), NO_ROUTES, "promoted or aborted: none");
});

const split = {
  matches: [{ path: { type: "PathPrefix", value: "/" } }],
  backendRefs: [
    { name: "web-stable", port: 80, weight: 90 },
    { name: "web-canary", port: 80, weight: 10 },
  ],
};
const foreign = { name: "docs", backendRefs: [{ name: "docs", port: 80 }] };
const route: Route = { metadata: { name: "r", resourceVersion: "1" }, spec: { rules: [foreign, split] } };

test("Gateway API: a header rule to the canary only and a mirror rule ahead of the split; stale ones removed", () => {
  const r = rollout([header("h1", { prefix: "be.ta" }), mirror("mirror-1")]);
  const routes = activeManagedRoutes(r, 1, true);
  const rules = desiredRules(
    route,
    { rollout: r, weight: 10, routes, hashes: { canary: "c", stable: "s" }, lookup: () => undefined },
    true,
  );
  assert.deepEqual(
    rules.map((x) => x.name ?? "(split)"),
    ["docs", "sluice-mirror-1", "sluice-h1", "(split)"],
  );
  assert.deepEqual(rules[2], {
    name: "sluice-h1",
    matches: [
      {
        path: { type: "PathPrefix", value: "/" },
        headers: [{ name: "X-Canary", type: "RegularExpression", value: "^be\\.ta.*" }],
      },
    ],
    backendRefs: [{ name: "web-canary", port: 80 }],
  });
  assert.deepEqual(rules[1], {
    name: "sluice-mirror-1",
    matches: [{ path: { type: "PathPrefix", value: "/api" }, headers: [], method: "GET" }],
    filters: [
      { type: "RequestMirror", requestMirror: { backendRef: { name: "web-canary", port: 80 }, percent: 30 } },
    ],
    backendRefs: split.backendRefs,
  });
  const live: Route = { ...route, spec: { rules } };
  const after = desiredRules(
    live,
    {
      rollout: r,
      weight: 0,
      routes: NO_ROUTES,
      hashes: { canary: "c", stable: "s" },
      lookup: () => undefined,
    },
    true,
  );
  assert.deepEqual(
    after.map((x) => x.name ?? "(split)"),
    ["docs", "(split)"],
    "all of sluice's rules go at the end",
  );
  const noHeaders = desiredRules(
    route,
    { rollout: r, weight: 10, routes, hashes: { canary: "c", stable: "s" }, lookup: () => undefined },
    false,
  );
  assert.equal(noHeaders.length, 2, "a route without useHeaderRoutes gets none");
});

test("nginx: the header route as canary-by-header with its value or pattern", () => {
  const r = rollout([header("h1", { exact: "yes" })], { nginx: { stableIngress: "ing" } });
  const stable = { metadata: { name: "ing" }, spec: { rules: [] } } as KubeObject;
  const exact = canaryIngress(r, stable, 0, activeManagedRoutes(r, 0, true));
  assert.equal(exact.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary-by-header"], "X-Canary");
  assert.equal(exact.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary-by-header-value"], "yes");
  const r2 = rollout([header("h1", { regex: "^m.*" })], { nginx: { stableIngress: "ing" } });
  const pattern = canaryIngress(r2, stable, 0, activeManagedRoutes(r2, 0, true));
  assert.equal(
    pattern.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary-by-header-pattern"],
    "^m.*",
  );
  const none = canaryIngress(r, stable, 0, NO_ROUTES);
  assert.equal(none.metadata?.annotations?.["nginx.ingress.kubernetes.io/canary-by-header"], undefined);
});

const errors = (r: Rollout) =>
  validateRollout(r)
    .filter((p) => p.severity === "error")
    .map((p) => `${p.path}: ${p.message}`);

test("validation: Gateway API fields sluice does not read are named, not ignored", () => {
  const found = errors(
    rollout([], { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "r", tcpRoutes: [{ name: "t" }] } } }),
  );
  assert.deepEqual(found, [
    'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"].tcpRoutes: spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"].tcpRoutes is not supported yet',
  ]);
});

test("validation: managed names, one header value kind, nginx one header and no mirror", () => {
  assert.deepEqual(errors(rollout([header("h1", { exact: "a" }), mirror("mirror-1")])), []);
  assert.match(
    errors(rollout([header("nope", { exact: "a" })])).join(),
    /"nope" is not listed in trafficRouting.managedRoutes/,
  );
  assert.match(
    errors(rollout([header("h1", { exact: "a", prefix: "b" })])).join(),
    /match\[0\]: needs headerName and one of exact, prefix, regex/,
  );
  const nginx = { nginx: { stableIngress: "ing" } };
  assert.match(
    errors(rollout([mirror("mirror-1")], nginx)).join(),
    /setMirrorRoute needs a router that mirrors/,
  );
  assert.match(
    errors(rollout([header("h1", { exact: "a" }), header("h2", { exact: "b" })], nginx)).join(),
    /nginx carries one header route per canary Ingress; the steps set 2/,
  );
});
