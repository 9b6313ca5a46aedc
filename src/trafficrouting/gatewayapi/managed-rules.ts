// Header and mirror routes as HTTPRoute rules sluice owns inside a user's route: each is a copy of
// the splitting rule's matches narrowed by the route's headers (to the canary only), or with a
// RequestMirror filter to the canary (traffic still split as the splitting rule). They are named
// `sluice-<managed route>` so sluice finds its own among the user's rules, placed ahead of the
// splitting rule in managedRoutes order, and removed when no longer in force. Pure.
import type { StringMatch } from "../../api/rollout.ts";
import { type ActiveMirror, asPattern, type ManagedRoutes } from "../managed-routes.ts";

export interface BackendRef {
  name?: string;
  kind?: string;
  group?: string;
  port?: number;
  weight?: number;
}

interface HeaderMatch {
  name: string;
  type: "Exact" | "RegularExpression";
  value: string;
}

export interface RouteRule {
  name?: string;
  matches?: { path?: unknown; method?: string; headers?: HeaderMatch[] }[];
  filters?: Record<string, unknown>[];
  backendRefs?: BackendRef[];
  [field: string]: unknown;
}

/** A rule name (the Gateway API's DNS-subdomain pattern) for a managed route's name. */
export function ruleName(route: string): string {
  const safe = route
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return `sluice-${safe}`.slice(0, 253);
}

const headerMatch = (name: string, match: StringMatch): HeaderMatch => {
  const pattern = asPattern(match);
  return "exact" in pattern
    ? { name, type: "Exact", value: pattern.exact }
    : { name, type: "RegularExpression", value: pattern.regex };
};

/** Each of the base rule's matches (or one catch-all) narrowed by `headers`. */
function narrowed(base: RouteRule, headers: HeaderMatch[]) {
  const matches = base.matches?.length ? base.matches : [{}];
  return matches.map((m) => ({ ...m, headers: [...(m.headers ?? []), ...headers] }));
}

function mirrorMatches(base: RouteRule, mirror: ActiveMirror) {
  return mirror.match.flatMap((block) => {
    const headers = Object.entries(block.headers ?? {}).map(([name, m]) => headerMatch(name, m));
    const path = block.path ? pathMatch(block.path) : undefined;
    const method = block.method?.exact;
    return narrowed(base, headers).map((m) => ({
      ...m,
      ...(path ? { path } : {}),
      ...(method ? { method } : {}),
    }));
  });
}

function pathMatch(match: StringMatch) {
  if (match.exact !== undefined) return { type: "Exact", value: match.exact };
  if (match.prefix !== undefined) return { type: "PathPrefix", value: match.prefix };
  return { type: "RegularExpression", value: match.regex ?? "" };
}

/** The rules sluice owns for the routes in force, built on the splitting rule. */
export function managedRules(base: RouteRule, canaryRef: BackendRef, routes: ManagedRoutes): RouteRule[] {
  const { weight: _weight, ...toCanary } = canaryRef;
  const headerRules = routes.headers.map((route) => ({
    name: ruleName(route.name),
    matches: narrowed(
      base,
      route.match.map((m) => headerMatch(m.headerName, m.headerValue)),
    ),
    backendRefs: [toCanary],
  }));
  const mirrorRules = routes.mirrors.map((mirror) => ({
    name: ruleName(mirror.name),
    matches: mirrorMatches(base, mirror),
    filters: [
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: toCanary,
          ...(mirror.percentage !== undefined ? { percent: mirror.percentage } : {}),
        },
      },
    ],
    backendRefs: base.backendRefs ?? [],
  }));
  const rank = (rule: RouteRule) => routes.order.findIndex((name) => ruleName(name) === rule.name);
  return [...headerRules, ...mirrorRules].sort((a, b) => rank(a) - rank(b));
}
