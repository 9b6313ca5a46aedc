// Istio, the peer's `trafficRouting.istio`: in each named VirtualService, the routes that carry the
// split (selection.ts) get the weights of their canary and stable destinations (by host, or by
// subset when a destinationRule is set: destinations.ts); sluice's header and mirror routes go
// first in spec.http (managed-http-routes.ts); the DestinationRule's canary and stable subsets
// select their pods by hash (destination-rule.ts). Every other route, destination and field is
// left as it is; each write is a merge patch that holds only at the version read, made only when
// something differs.
import { isDeepStrictEqual } from "node:util";
import type { Rollout } from "../../api/rollout.ts";
import type {
  RoutingInput,
  RoutingProblem,
  RoutingReference,
  RoutingWrite,
  TrafficRouter,
} from "../router.ts";
import { destinationRuleOf, type VirtualServiceReference, virtualServicesOf } from "./config.ts";
import {
  canarySubsetHash,
  type DestinationRule,
  destinationRuleProblems,
  destinationRuleWrite,
} from "./destination-rule.ts";
import {
  canaryPercent,
  type Section,
  splits,
  type Targets,
  targetsOf,
  type VirtualService,
  type VirtualServiceRoute,
  weighted,
} from "./destinations.ts";
import { managedHttpRoutes } from "./managed-http-routes.ts";
import { type SectionRoutes, type Selected, selectRoutes } from "./selection.ts";

const SECTIONS = ["http", "tls", "tcp"] as const;

const managedNames = (rollout: Rollout) =>
  new Set((rollout.spec?.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name));

/** The VirtualService's routes of each kind; http without sluice's own (named as a managed route). */
function sectionsOf(vs: VirtualService, rollout: Rollout): SectionRoutes {
  const ours = managedNames(rollout);
  return {
    http: (vs.spec?.http ?? []).filter((route) => !ours.has(route.name ?? "")),
    tls: vs.spec?.tls ?? [],
    tcp: vs.spec?.tcp ?? [],
  };
}

const lookupVirtualService = (input: Pick<RoutingInput, "lookup">, ref: VirtualServiceReference) =>
  input.lookup("VirtualService", ref.name, ref.namespace) as VirtualService | undefined;

function virtualServiceProblems(
  input: Pick<RoutingInput, "rollout" | "lookup">,
  ref: VirtualServiceReference,
): RoutingProblem[] {
  const vs = lookupVirtualService(input, ref);
  if (!vs) return [{ path: ref.field, message: `VirtualService "${ref.name}" not found` }];
  return selectRoutes(sectionsOf(vs, input.rollout), ref, targetsOf(input.rollout)).problems;
}

/** Header and mirror routes, built on the first selected http route that splits. */
function managedFor(
  http: VirtualServiceRoute[],
  selected: Selected[],
  targets: Targets,
  input: RoutingInput,
) {
  const split = selected
    .filter((s) => s.section === "http")
    .map((s) => http[s.index])
    .find((route) => route !== undefined && splits(route, targets));
  const canary = split?.route?.find((d) => targets.sideOf(d.destination) === "canary")?.destination;
  return split && canary ? managedHttpRoutes(split, canary, input.routes) : [];
}

/** Each kind's routes as they should be. */
function desiredRoutes(vs: VirtualService, ref: VirtualServiceReference, input: RoutingInput): SectionRoutes {
  const { rollout } = input;
  const targets = targetsOf(rollout);
  const percent = canaryPercent(rollout, input.weight);
  const routes = sectionsOf(vs, rollout);
  const { selected } = selectRoutes(routes, ref, targets);
  const out: SectionRoutes = { http: [...routes.http], tls: [...routes.tls], tcp: [...routes.tcp] };
  for (const { section, index } of selected) {
    const route = out[section][index];
    if (route && splits(route, targets)) out[section][index] = weighted(route, targets, percent);
  }
  out.http = [...managedFor(out.http, selected, targets, input), ...out.http];
  return out;
}

function virtualServiceWrite(ref: VirtualServiceReference, input: RoutingInput): RoutingWrite | undefined {
  const vs = lookupVirtualService(input, ref);
  if (!vs?.metadata?.resourceVersion) return undefined;
  const desired = desiredRoutes(vs, ref, input);
  const spec: Partial<Record<Section, VirtualServiceRoute[]>> = {};
  for (const section of SECTIONS) {
    const live = vs.spec?.[section];
    const wanted = desired[section];
    if (live === undefined && wanted.length === 0) continue;
    if (!isDeepStrictEqual(wanted, live ?? [])) spec[section] = wanted;
  }
  if (Object.keys(spec).length === 0) return undefined;
  return {
    kind: "VirtualService",
    namespace: vs.metadata.namespace ?? "",
    name: ref.name,
    patch: { spec },
    resourceVersion: vs.metadata.resourceVersion,
  };
}

export const istioRouter: TrafficRouter = {
  name: "istio",

  references(rollout): RoutingReference[] {
    const rule = destinationRuleOf(rollout);
    const services = virtualServicesOf(rollout).map(({ kind, name, namespace, field }) => ({
      kind,
      name,
      namespace,
      field,
    }));
    return rule ? [...services, rule.ref] : services;
  },

  problems(input) {
    const problems = virtualServicesOf(input.rollout).flatMap((ref) => virtualServiceProblems(input, ref));
    const rule = destinationRuleOf(input.rollout);
    if (!rule) return problems;
    const live = input.lookup("DestinationRule", rule.config.name) as DestinationRule | undefined;
    return [...problems, ...destinationRuleProblems(live, rule.config)];
  },

  writes(input): RoutingWrite[] {
    const routes = virtualServicesOf(input.rollout).flatMap((ref) => virtualServiceWrite(ref, input) ?? []);
    const rule = destinationRuleOf(input.rollout);
    if (!rule) return routes;
    const live = input.lookup("DestinationRule", rule.config.name) as DestinationRule | undefined;
    const subsets = destinationRuleWrite(live, rule.config, input.hashes);
    if (!live || !subsets) return routes;
    // Only the stable subset moving (a promotion: the canary's pods become the stable's): subsets
    // first, so the stable's share never lands on pods on their way out. The canary subset moving
    // (a new update, an abort): weights first, so the canary's share is off it before it moves.
    return canarySubsetHash(live, rule.config) === input.hashes.canary
      ? [subsets, ...routes]
      : [...routes, subsets];
  },
};
