// Header and mirror routes as HTTP routes sluice owns in a user's VirtualService, named as their
// managed route (the peer's naming, so a VirtualService sluice takes over from the peer is read the
// same) and placed first in spec.http in managedRoutes order, ahead of every user route:
// - a header route matches each of its headers (one match block per header: Istio ORs the
//   blocks, as the peer's) and sends to the canary destination only;
// - a mirror route matches the step's blocks (method, path as uri, headers), sends as the split
//   route does (same destinations and weights) and mirrors `percentage` (default 100) to the canary.
// Istio's string matches take exact, prefix and regex as they are. Pure.
import type { StringMatch } from "../../api/rollout.ts";
import type { ActiveMirror, ManagedRoutes } from "../managed-routes.ts";
import type { Destination, VirtualServiceRoute } from "./destinations.ts";

function stringMatch(match: StringMatch): Record<string, string> {
  const out: Record<string, string> = {};
  if (match.exact !== undefined) out.exact = match.exact;
  if (match.prefix !== undefined) out.prefix = match.prefix;
  if (match.regex !== undefined) out.regex = match.regex;
  return out;
}

const headersOf = (headers: Record<string, StringMatch>) =>
  Object.fromEntries(Object.entries(headers).map(([name, m]) => [name, stringMatch(m)]));

function mirrorMatch(block: ActiveMirror["match"][number]): Record<string, unknown> {
  return {
    ...(block.method ? { method: stringMatch(block.method) } : {}),
    ...(block.path ? { uri: stringMatch(block.path) } : {}),
    ...(block.headers ? { headers: headersOf(block.headers) } : {}),
  };
}

/** The routes sluice owns for the routes in force, built on the split route and its canary destination. */
export function managedHttpRoutes(
  split: VirtualServiceRoute,
  canary: Destination,
  routes: ManagedRoutes,
): VirtualServiceRoute[] {
  const headerRoutes = routes.headers.map((route) => ({
    name: route.name,
    match: route.match.map((m) => ({ headers: { [m.headerName]: stringMatch(m.headerValue) } })),
    route: [{ destination: canary }],
  }));
  const mirrorRoutes = routes.mirrors.map((mirror) => ({
    name: mirror.name,
    match: mirror.match.map(mirrorMatch),
    route: split.route ?? [],
    mirror: canary,
    mirrorPercentage: { value: mirror.percentage ?? 100 },
  }));
  const rank = (route: VirtualServiceRoute) => routes.order.indexOf(route.name ?? "");
  return [...headerRoutes, ...mirrorRoutes].sort((a, b) => rank(a) - rank(b));
}
