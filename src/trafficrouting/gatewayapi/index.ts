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
  RoutingLookup,
  RoutingProblem,
  RoutingReference,
  RoutingWrite,
  TrafficRouter,
} from "../router.ts";

/** The plugin's config (rollouts-plugin-trafficrouter-gatewayapi), as far as sluice reads it. */
export interface GatewayAPIConfig {
  httpRoute?: string;
  httpRoutes?: { name: string; useHeaderRoutes?: boolean }[];
  grpcRoute?: string;
  grpcRoutes?: { name: string }[];
  /** The routes' namespace (the Rollout's by default). */
  namespace?: string;
}

interface BackendRef {
  name?: string;
  kind?: string;
  group?: string;
  weight?: number;
}

export interface Route extends KubeObject {
  spec?: { rules?: { backendRefs?: BackendRef[] }[] } & Record<string, unknown>;
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

function routesOf(rollout: Rollout): RoutingReference[] {
  const found = configOf(rollout);
  if (!found) return [];
  const { config, base } = found;
  const namespace = config.namespace;
  const refs: RoutingReference[] = [];
  const add = (kind: RoutedKind, name: string, field: string) => refs.push({ kind, name, namespace, field });
  if (config.httpRoute) add("HTTPRoute", config.httpRoute, `${base}.httpRoute`);
  for (const [i, r] of (config.httpRoutes ?? []).entries())
    add("HTTPRoute", r.name, `${base}.httpRoutes[${i}]`);
  if (config.grpcRoute) add("GRPCRoute", config.grpcRoute, `${base}.grpcRoute`);
  for (const [i, r] of (config.grpcRoutes ?? []).entries())
    add("GRPCRoute", r.name, `${base}.grpcRoutes[${i}]`);
  return refs;
}

/** A backendRef to a Service of this name (kind Service in the core group, the Gateway API default). */
const refersTo = (ref: BackendRef, service: string) =>
  ref.name === service && (ref.kind ?? "Service") === "Service" && (ref.group ?? "") === "";

function servicesOf(rollout: Rollout) {
  const canary = rollout.spec?.strategy?.canary ?? {};
  return { stable: canary.stableService ?? "", canary: canary.canaryService ?? "" };
}

/** The route's rules with the weights set in those that split between stable and canary. */
export function weightedRules(route: Route, rollout: Rollout, weight: number, maxWeight: number) {
  const { stable, canary } = servicesOf(rollout);
  return (route.spec?.rules ?? []).map((rule) => {
    const refs = rule.backendRefs ?? [];
    if (!refs.some((r) => refersTo(r, stable)) || !refs.some((r) => refersTo(r, canary))) return rule;
    const backendRefs = refs.map((r) => {
      if (refersTo(r, canary)) return { ...r, weight };
      if (refersTo(r, stable)) return { ...r, weight: maxWeight - weight };
      return r;
    });
    return { ...rule, backendRefs };
  });
}

const maxWeightOf = (rollout: Rollout) =>
  rollout.spec?.strategy?.canary?.trafficRouting?.maxTrafficWeight ?? 100;

function routeProblems(rollout: Rollout, lookup: RoutingLookup, ref: RoutingReference): RoutingProblem[] {
  const route = lookup(ref.kind, ref.name, ref.namespace) as Route | undefined;
  if (!route) return [{ path: ref.field, message: `${ref.kind} "${ref.name}" not found` }];
  const { stable, canary } = servicesOf(rollout);
  const splits = (route.spec?.rules ?? []).some(
    (rule) =>
      (rule.backendRefs ?? []).some((r) => refersTo(r, stable)) &&
      (rule.backendRefs ?? []).some((r) => refersTo(r, canary)),
  );
  if (splits) return [];
  const message = `${ref.kind} "${ref.name}" has no rule with backendRefs to both ${stable} and ${canary}`;
  return [{ path: ref.field, message }];
}

export const gatewayAPIRouter: TrafficRouter = {
  name: "gatewayAPI",

  references: routesOf,

  problems({ rollout, lookup }) {
    return routesOf(rollout).flatMap((ref) => routeProblems(rollout, lookup, ref));
  },

  writes({ rollout, weight, lookup }): RoutingWrite[] {
    const out: RoutingWrite[] = [];
    for (const ref of routesOf(rollout)) {
      const route = lookup(ref.kind, ref.name, ref.namespace) as Route | undefined;
      if (!route?.metadata?.resourceVersion) continue;
      const rules = weightedRules(route, rollout, weight, maxWeightOf(rollout));
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
