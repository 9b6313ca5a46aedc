// Which destinations of a VirtualService route are the canary's and the stable's, and their
// weights. Host-level split: the destination's host is the Service, by its short name or a longer
// form in the Rollout's namespace (`web.ns`, `web.ns.svc`, `web.ns.svc.cluster.local`).
// Subset-level split (a destinationRule is set): the destination's subset is the canary's or the
// stable's subset. Pure.
import type { Rollout } from "../../api/rollout.ts";
import type { KubeObject } from "../../kube/types.ts";
import { istioOf } from "./config.ts";

export interface Destination {
  host?: string;
  subset?: string;
  port?: { number?: number };
  [field: string]: unknown;
}

export interface RouteDestination {
  destination?: Destination;
  weight?: number;
  [field: string]: unknown;
}

/** An entry of a VirtualService's spec.http, spec.tls or spec.tcp. */
export interface VirtualServiceRoute {
  name?: string;
  match?: Record<string, unknown>[];
  route?: RouteDestination[];
  [field: string]: unknown;
}

export type Section = "http" | "tls" | "tcp";

export interface VirtualService extends KubeObject {
  spec?: { [S in Section]?: VirtualServiceRoute[] } & Record<string, unknown>;
}

export type Side = "canary" | "stable";

/** How a Rollout's canary and stable destinations are recognised. */
export interface Targets {
  sideOf(destination: Destination | undefined): Side | undefined;
  /** For messages: "Services web-stable and web-canary" or `subsets "stable" and "canary"`. */
  describe: string;
}

function hostIs(host: string | undefined, service: string, namespace: string): boolean {
  if (!host || !service) return false;
  const qualified = `${service}.${namespace}`;
  return (
    host === service ||
    host === qualified ||
    host === `${qualified}.svc` ||
    host.startsWith(`${qualified}.svc.`)
  );
}

export function targetsOf(rollout: Rollout): Targets {
  const canary = rollout.spec?.strategy?.canary ?? {};
  const rule = istioOf(rollout).destinationRule;
  if (rule) {
    const sideOf = (d: Destination | undefined): Side | undefined => {
      if (!d?.subset) return undefined;
      if (d.subset === rule.canarySubsetName) return "canary";
      return d.subset === rule.stableSubsetName ? "stable" : undefined;
    };
    return { sideOf, describe: `subsets "${rule.stableSubsetName}" and "${rule.canarySubsetName}"` };
  }
  const namespace = rollout.metadata?.namespace ?? "";
  const stable = canary.stableService ?? "";
  const canaryService = canary.canaryService ?? "";
  const sideOf = (d: Destination | undefined): Side | undefined => {
    if (hostIs(d?.host, canaryService, namespace)) return "canary";
    return hostIs(d?.host, stable, namespace) ? "stable" : undefined;
  };
  return { sideOf, describe: `Services ${stable} and ${canaryService}` };
}

/** Whether a route sends to both the canary and the stable. */
export function splits(route: VirtualServiceRoute, targets: Targets): boolean {
  const sides = new Set((route.route ?? []).map((d) => targets.sideOf(d.destination)));
  return sides.has("canary") && sides.has("stable");
}

/**
 * Istio's weights are percentages: `weight` in units of maxTrafficWeight (set only when mixed with
 * nginx, whose canary-weight-total reads it) becomes the canary's share of 100.
 */
export function canaryPercent(rollout: Rollout, weight: number): number {
  const max = rollout.spec?.strategy?.canary?.trafficRouting?.maxTrafficWeight ?? 100;
  return Math.min(100, Math.max(0, Math.round((weight * 100) / max)));
}

/** The route with the canary's destinations at `percent` and the stable's at the rest; others as they were. */
export function weighted(route: VirtualServiceRoute, targets: Targets, percent: number): VirtualServiceRoute {
  if (!route.route) return route;
  const destinations = route.route.map((d) => {
    const side = targets.sideOf(d.destination);
    if (side === "canary") return { ...d, weight: percent };
    return side === "stable" ? { ...d, weight: 100 - percent } : d;
  });
  return { ...route, route: destinations };
}
