// Gateway API, built in (the peer runs it as the plugin argoproj-labs/gatewayAPI; its config shape
// is accepted there and under `gatewayAPI`, DESIGN.md §8). In each named HTTPRoute / GRPCRoute, the
// rules whose backendRefs name both the stable and the canary Service get the weights: canary w,
// stable max − w. No other rule and no other field is touched; the write is a merge patch that
// holds only while the route is at the version read, so a concurrent edit is never overwritten.
import { isDeepStrictEqual } from "node:util";
import type { Rollout } from "../../api/rollout.ts";
import type { KubeObject } from "../../kube/types.ts";
import type {
  RoutedKind,
  RoutingInput,
  RoutingLookup,
  RoutingProblem,
  RoutingReference,
  RoutingWrite,
  TrafficRouter,
} from "../router.ts";
import { type BackendRef, managedRules, type RouteRule, ruleName } from "./managed-rules.ts";

/** The plugin's config (rollouts-plugin-trafficrouter-gatewayapi), as far as sluice reads it. */
export interface GatewayAPIConfig {
  httpRoute?: string;
  httpRoutes?: { name: string; useHeaderRoutes?: boolean }[];
  grpcRoute?: string;
  grpcRoutes?: { name: string }[];
  /** The routes' namespace (the Rollout's by default). */
  namespace?: string;
}

export interface Route extends KubeObject {
  spec?: { rules?: RouteRule[] } & Record<string, unknown>;
}

const PLUGIN = "argoproj-labs/gatewayAPI";

/** The config and the field path it sits at: `gatewayAPI`, or the peer's plugin entry. */
function configOf(rollout: Rollout): { config: GatewayAPIConfig; base: string } | undefined {
  const routing = rollout.spec?.strategy?.canary?.trafficRouting;
  const base = "spec.strategy.canary.trafficRouting";
  if (routing?.gatewayAPI)
    return { config: routing.gatewayAPI as GatewayAPIConfig, base: `${base}.gatewayAPI` };
  const plugin = routing?.plugins?.[PLUGIN];
  return plugin ? { config: plugin as GatewayAPIConfig, base: `${base}.plugins["${PLUGIN}"]` } : undefined;
}

/** A named route, and whether header and mirror routes go into it (the plugin's useHeaderRoutes). */
type RouteReference = RoutingReference & { useManaged: boolean };

function routesOf(rollout: Rollout): RouteReference[] {
  const found = configOf(rollout);
  if (!found) return [];
  const { config, base } = found;
  const namespace = config.namespace;
  const refs: RouteReference[] = [];
  const add = (kind: RoutedKind, name: string, field: string, useManaged: boolean) =>
    refs.push({ kind, name, namespace, field, useManaged });
  if (config.httpRoute) add("HTTPRoute", config.httpRoute, `${base}.httpRoute`, true);
  for (const [i, r] of (config.httpRoutes ?? []).entries())
    add("HTTPRoute", r.name, `${base}.httpRoutes[${i}]`, r.useHeaderRoutes === true);
  if (config.grpcRoute) add("GRPCRoute", config.grpcRoute, `${base}.grpcRoute`, false);
  for (const [i, r] of (config.grpcRoutes ?? []).entries())
    add("GRPCRoute", r.name, `${base}.grpcRoutes[${i}]`, false);
  return refs;
}

/** A backendRef to a Service of this name (kind Service in the core group, the Gateway API default). */
const refersTo = (ref: BackendRef, service: string) =>
  ref.name === service && (ref.kind ?? "Service") === "Service" && (ref.group ?? "") === "";

function servicesOf(rollout: Rollout) {
  const canary = rollout.spec?.strategy?.canary ?? {};
  return { stable: canary.stableService ?? "", canary: canary.canaryService ?? "" };
}

const maxWeightOf = (rollout: Rollout) =>
  rollout.spec?.strategy?.canary?.trafficRouting?.maxTrafficWeight ?? 100;

const splits = (rule: RouteRule, stable: string, canary: string) =>
  (rule.backendRefs ?? []).some((r) => refersTo(r, stable)) &&
  (rule.backendRefs ?? []).some((r) => refersTo(r, canary));

/** Rules with the weights set in those that split between stable and canary. */
function weighted(rules: RouteRule[], rollout: Rollout, weight: number): RouteRule[] {
  const { stable, canary } = servicesOf(rollout);
  const maxWeight = maxWeightOf(rollout);
  return rules.map((rule) => {
    if (!splits(rule, stable, canary)) return rule;
    const backendRefs = (rule.backendRefs ?? []).map((r) => {
      if (refersTo(r, canary)) return { ...r, weight };
      if (refersTo(r, stable)) return { ...r, weight: maxWeight - weight };
      return r;
    });
    return { ...rule, backendRefs };
  });
}

/**
 * The route's rules as they should be: the weights set in the splitting rules, sluice's header and
 * mirror rules (when the route takes them) ahead of the first of those, sluice's stale rules gone,
 * every other rule as it was.
 */
export function desiredRules(route: Route, input: RoutingInput, useManaged: boolean): RouteRule[] {
  const { rollout } = input;
  const { stable, canary } = servicesOf(rollout);
  const ours = new Set(
    (rollout.spec?.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => ruleName(r.name)),
  );
  const rules = weighted(
    (route.spec?.rules ?? []).filter((rule) => !ours.has(rule.name ?? "")),
    rollout,
    input.weight,
  );
  const at = rules.findIndex((rule) => splits(rule, stable, canary));
  const base = rules[at];
  const canaryRef = base?.backendRefs?.find((r) => refersTo(r, canary));
  if (!useManaged || !base || !canaryRef) return rules;
  return [...rules.slice(0, at), ...managedRules(base, canaryRef, input.routes), ...rules.slice(at)];
}

function routeProblems(rollout: Rollout, lookup: RoutingLookup, ref: RoutingReference): RoutingProblem[] {
  const route = lookup(ref.kind, ref.name, ref.namespace) as Route | undefined;
  if (!route) return [{ path: ref.field, message: `${ref.kind} "${ref.name}" not found` }];
  const { stable, canary } = servicesOf(rollout);
  if ((route.spec?.rules ?? []).some((rule) => splits(rule, stable, canary))) return [];
  const message = `${ref.kind} "${ref.name}" has no rule with backendRefs to both ${stable} and ${canary}`;
  return [{ path: ref.field, message }];
}

export const gatewayAPIRouter: TrafficRouter = {
  name: "gatewayAPI",

  references: routesOf,

  problems({ rollout, lookup }) {
    return routesOf(rollout).flatMap((ref) => routeProblems(rollout, lookup, ref));
  },

  writes(input): RoutingWrite[] {
    const out: RoutingWrite[] = [];
    for (const ref of routesOf(input.rollout)) {
      const route = input.lookup(ref.kind, ref.name, ref.namespace) as Route | undefined;
      if (!route?.metadata?.resourceVersion) continue;
      const rules = desiredRules(route, input, ref.useManaged);
      if (isDeepStrictEqual(rules, route.spec?.rules ?? [])) continue;
      out.push({
        kind: ref.kind,
        namespace: route.metadata.namespace ?? "",
        name: ref.name,
        patch: { spec: { rules } },
        resourceVersion: route.metadata.resourceVersion,
      });
    }
    return out;
  },
};
