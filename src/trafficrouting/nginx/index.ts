// nginx Ingress: for each stable Ingress, sluice owns a canary copy `<rollout>-<ingress>-canary`
// (same hosts, TLS and class; only the paths that point at the stable Service, pointed at the
// canary Service) that ingress-nginx reads through its canary annotations: `<prefix>/canary:
// "true"` and `<prefix>/canary-weight` (plus `canary-weight-total` with maxTrafficWeight). Written
// by server-side apply, so annotations other tools set on the canary Ingress stay theirs; it stays
// at weight 0 after a rollout and goes with the Rollout by owner reference (the peer's behaviour,
// ../shared/reference/argo-rollouts.md §3.2).
import { isDeepStrictEqual } from "node:util";
import type { NginxTrafficRouting, Rollout } from "../../api/rollout.ts";
import type { KubeObject } from "../../kube/types.ts";
import { controllerRef } from "../../rollout/world.ts";
import { asPattern, type ManagedRoutes, NO_ROUTES } from "../managed-routes.ts";
import type { RoutingProblem, RoutingReference, RoutingWrite, TrafficRouter } from "../router.ts";

const DEFAULT_PREFIX = "nginx.ingress.kubernetes.io";
const CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const BASE = "spec.strategy.canary.trafficRouting.nginx";

interface IngressPath {
  path?: string;
  pathType?: string;
  backend?: { service?: { name?: string; port?: { number?: number; name?: string } } };
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    tls?: unknown[];
    rules?: { host?: string; http?: { paths?: IngressPath[] } }[];
  };
}

const configOf = (rollout: Rollout): NginxTrafficRouting =>
  rollout.spec?.strategy?.canary?.trafficRouting?.nginx ?? {};

/** The stable Ingresses a Rollout names, with the field that names each. */
function stableIngresses(rollout: Rollout): { name: string; field: string }[] {
  const nginx = configOf(rollout);
  if (nginx.stableIngress) return [{ name: nginx.stableIngress, field: `${BASE}.stableIngress` }];
  return (nginx.stableIngresses ?? []).map((name, i) => ({ name, field: `${BASE}.stableIngresses[${i}]` }));
}

export const canaryIngressName = (rollout: Rollout, stable: string): string =>
  `${rollout.metadata?.name}-${stable}-canary`.slice(0, 253);

/** The stable Ingress's rules, keeping only paths to the stable Service, pointed at the canary Service. */
function canaryRules(stable: Ingress, stableService: string, canaryService: string) {
  const rules = [];
  for (const rule of stable.spec?.rules ?? []) {
    const paths = (rule.http?.paths ?? [])
      .filter((p) => p.backend?.service?.name === stableService)
      .map((p) => ({
        ...p,
        backend: { ...p.backend, service: { ...p.backend?.service, name: canaryService } },
      }));
    if (paths.length > 0) rules.push({ ...rule, http: { ...rule.http, paths } });
  }
  return rules;
}

/**
 * A header route as ingress-nginx reads it: one header per canary Ingress, its value exact
 * (`canary-by-header-value`) or a pattern (`canary-by-header-pattern`; a prefix becomes ^prefix.*).
 */
function headerAnnotations(prefix: string, routes: ManagedRoutes): Record<string, string> {
  const match = routes.headers[0]?.match[0];
  if (!match) return {};
  const value = asPattern(match.headerValue);
  return {
    [`${prefix}/canary-by-header`]: match.headerName,
    ...("exact" in value
      ? { [`${prefix}/canary-by-header-value`]: value.exact }
      : { [`${prefix}/canary-by-header-pattern`]: value.regex }),
  };
}

/** Annotations in the peer's order: additional (prefixed), canary (verbatim), then the weight. */
function canaryAnnotations(
  rollout: Rollout,
  stable: Ingress,
  weight: number,
  routes: ManagedRoutes,
): Record<string, string> {
  const nginx = configOf(rollout);
  const prefix = nginx.annotationPrefix ?? DEFAULT_PREFIX;
  const annotations: Record<string, string> = {};
  const ingressClass = stable.metadata?.annotations?.[CLASS_ANNOTATION];
  if (ingressClass !== undefined) annotations[CLASS_ANNOTATION] = ingressClass;
  for (const [key, value] of Object.entries(nginx.additionalIngressAnnotations ?? {}))
    annotations[`${prefix}/${key}`] = value;
  Object.assign(annotations, nginx.canaryIngressAnnotations ?? {}, headerAnnotations(prefix, routes));
  annotations[`${prefix}/canary`] = "true";
  annotations[`${prefix}/canary-weight`] = String(weight);
  const max = rollout.spec?.strategy?.canary?.trafficRouting?.maxTrafficWeight;
  if (max !== undefined) annotations[`${prefix}/canary-weight-total`] = String(max);
  return annotations;
}

export function canaryIngress(
  rollout: Rollout,
  stable: Ingress,
  weight: number,
  routes: ManagedRoutes = NO_ROUTES,
): Ingress {
  const canary = rollout.spec?.strategy?.canary ?? {};
  const spec: NonNullable<Ingress["spec"]> = {
    rules: canaryRules(stable, canary.stableService ?? "", canary.canaryService ?? ""),
  };
  if (stable.spec?.ingressClassName !== undefined) spec.ingressClassName = stable.spec.ingressClassName;
  if (stable.spec?.tls !== undefined) spec.tls = stable.spec.tls;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: canaryIngressName(rollout, stable.metadata?.name ?? ""),
      namespace: rollout.metadata?.namespace ?? "",
      annotations: canaryAnnotations(rollout, stable, weight, routes),
      ownerReferences: [controllerRef(rollout)],
    },
    spec,
  };
}

const controlledBy = (object: KubeObject, rollout: Rollout) =>
  object.metadata?.ownerReferences?.some((r) => r.controller && r.uid === rollout.metadata?.uid) ?? false;

/** Whether the live canary Ingress already says what `desired` says (annotations it has may be more). */
function upToDate(live: KubeObject | undefined, desired: Ingress): boolean {
  if (!live) return false;
  const annotations = live.metadata?.annotations ?? {};
  return (
    Object.entries(desired.metadata?.annotations ?? {}).every(([k, v]) => annotations[k] === v) &&
    // The API server returns fields in its own order: compared as values, not as text.
    isDeepStrictEqual((live as Ingress).spec ?? {}, desired.spec) &&
    controlledBy(live, { metadata: { uid: desired.metadata?.ownerReferences?.[0]?.uid ?? "" } })
  );
}

export const nginxRouter: TrafficRouter = {
  name: "nginx",

  references(rollout): RoutingReference[] {
    return stableIngresses(rollout).map(({ name, field }) => ({ kind: "Ingress", name, field }));
  },

  problems({ rollout, lookup }): RoutingProblem[] {
    const problems: RoutingProblem[] = [];
    const stableService = rollout.spec?.strategy?.canary?.stableService ?? "";
    for (const { name, field } of stableIngresses(rollout)) {
      const stable = lookup("Ingress", name) as Ingress | undefined;
      if (!stable) {
        problems.push({ path: field, message: `Ingress "${name}" not found` });
        continue;
      }
      if (canaryRules(stable, stableService, "").length === 0)
        problems.push({
          path: field,
          message: `ingress \`${name}\` has no rules using service ${stableService} backend`,
        });
      const canaryName = canaryIngressName(rollout, name);
      const existing = lookup("Ingress", canaryName);
      if (existing && !controlledBy(existing, rollout))
        problems.push({
          path: field,
          message: `Ingress "${canaryName}" exists and is not controlled by this Rollout`,
        });
    }
    return problems;
  },

  writes({ rollout, weight, routes, lookup }): RoutingWrite[] {
    const out: RoutingWrite[] = [];
    for (const { name } of stableIngresses(rollout)) {
      const stable = lookup("Ingress", name) as Ingress | undefined;
      if (!stable) continue;
      const desired = canaryIngress(rollout, stable, weight, routes);
      const canaryName = desired.metadata?.name ?? "";
      if (upToDate(lookup("Ingress", canaryName), desired)) continue;
      out.push({
        kind: "Ingress",
        namespace: desired.metadata?.namespace ?? "",
        name: canaryName,
        apply: desired,
      });
    }
    return out;
  },
};
