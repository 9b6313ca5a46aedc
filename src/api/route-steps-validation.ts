// The rules of setHeaderRoute / setMirrorRoute steps (the peer's, plus what nginx can carry): a
// route step needs trafficRouting and a name listed in managedRoutes; a header value is exactly one
// of exact, prefix, regex; nginx carries one header match per canary Ingress (ingress-nginx reads
// one canary-by-header) and cannot mirror; mirroring needs a router that can (Gateway API, Istio).
import type { CanaryStep, CanaryStrategy, SetHeaderRoute, StringMatch, TrafficRouting } from "./rollout.ts";

export interface RouteStepProblem {
  path: string;
  message: string;
}

const oneOf = (m: StringMatch | undefined) =>
  [m?.exact, m?.prefix, m?.regex].filter((v) => v !== undefined).length === 1;

const mirrors = (routing: TrafficRouting) =>
  routing.gatewayAPI !== undefined ||
  routing.plugins?.["argoproj-labs/gatewayAPI"] !== undefined ||
  routing.istio !== undefined;

/** What every route step needs: a router, and its name among managedRoutes. */
function nameProblems(path: string, kind: string, name: string, routing: TrafficRouting | undefined) {
  if (!routing) return [{ path, message: `${kind} needs trafficRouting` }];
  const managed = (routing.managedRoutes ?? []).some((r) => r.name === name);
  return managed
    ? []
    : [{ path: `${path}.name`, message: `"${name}" is not listed in trafficRouting.managedRoutes` }];
}

function headerProblems(path: string, route: SetHeaderRoute, routing: TrafficRouting | undefined) {
  const problems: RouteStepProblem[] = [];
  for (const [j, m] of (route.match ?? []).entries())
    if (!m.headerName || !oneOf(m.headerValue))
      problems.push({
        path: `${path}.match[${j}]`,
        message: "needs headerName and one of exact, prefix, regex",
      });
  if (routing?.nginx && (route.match?.length ?? 0) > 1)
    problems.push({ path: `${path}.match`, message: "nginx matches one header per canary Ingress" });
  return problems;
}

function stepProblems(
  path: string,
  step: CanaryStep,
  routing: TrafficRouting | undefined,
): RouteStepProblem[] {
  const kind = step.setHeaderRoute ? "setHeaderRoute" : "setMirrorRoute";
  const route = step.setHeaderRoute ?? step.setMirrorRoute;
  if (!route) return [];
  const at = `${path}.${kind}`;
  const problems = nameProblems(at, kind, route.name, routing);
  if (step.setHeaderRoute) problems.push(...headerProblems(at, step.setHeaderRoute, routing));
  if (step.setMirrorRoute && routing && !mirrors(routing))
    problems.push({
      path: at,
      message: "setMirrorRoute needs a router that mirrors (Gateway API, Istio); nginx cannot",
    });
  return problems;
}

export function routeStepProblems(base: string, canary: CanaryStrategy): RouteStepProblem[] {
  const routing = canary.trafficRouting;
  const steps = canary.steps ?? [];
  const problems = steps.flatMap((step, i) => stepProblems(`${base}.steps[${i}]`, step, routing));
  const headerRoutes = new Set(steps.flatMap((s) => (s.setHeaderRoute ? [s.setHeaderRoute.name] : [])));
  if (routing?.nginx && headerRoutes.size > 1)
    problems.push({
      path: `${base}.trafficRouting.managedRoutes`,
      message: `nginx carries one header route per canary Ingress; the steps set ${headerRoutes.size}`,
    });
  return problems;
}
