// trafficRouting's own rules: routers sluice lacks are named ("not supported yet"), each router's
// fields (nginx's stable Ingress, the Gateway API plugin's routes, Istio's VirtualServices), and
// maxTrafficWeight as the peer allows it.
import { routersFor } from "../trafficrouting/registry.ts";
import { istioProblems } from "./istio-validation.ts";
import type { TrafficRouting } from "./rollout.ts";

/** Where problems go (the validator's collector). */
export interface ProblemSink {
  error(path: string, message: string): void;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Routers sluice lacks are named; each router's own fields; maxTrafficWeight as the peer. */
export function validateTrafficRouting(p: ProblemSink, base: string, routing: TrafficRouting): void {
  for (const name of routersFor(routing).unsupported)
    p.error(`${base}.${name}`, `${base}.${name} is not supported yet`);
  validateNginx(p, `${base}.nginx`, routing.nginx);
  validateGatewayAPI(p, base, routing);
  for (const problem of istioProblems(`${base}.istio`, routing.istio)) p.error(problem.path, problem.message);
  validateMaxWeight(p, base, routing);
}

function validateNginx(p: ProblemSink, base: string, nginx: TrafficRouting["nginx"]): void {
  if (!nginx) return;
  const { stableIngress, stableIngresses } = nginx;
  if (!stableIngress && !(stableIngresses ?? []).length)
    p.error(`${base}.stableIngress`, "nginx needs stableIngress or stableIngresses");
  if (stableIngress && stableIngresses?.length)
    p.error(`${base}.stableIngresses`, "stableIngress and stableIngresses cannot both be set");
}

/** The Gateway API plugin's fields sluice reads; `configMap` (the plugin's own bookkeeping) is not needed. */
const GATEWAY_FIELDS = new Set([
  "httpRoute",
  "httpRoutes",
  "grpcRoute",
  "grpcRoutes",
  "namespace",
  "configMap",
]);

function validateGatewayAPI(p: ProblemSink, base: string, routing: TrafficRouting): void {
  const gateway = (routing.gatewayAPI ?? routing.plugins?.["argoproj-labs/gatewayAPI"]) as
    | { httpRoute?: string; httpRoutes?: unknown[]; grpcRoute?: string; grpcRoutes?: unknown[] }
    | undefined;
  if (!gateway) return;
  const path = routing.gatewayAPI ? `${base}.gatewayAPI` : `${base}.plugins["argoproj-labs/gatewayAPI"]`;
  // tcpRoute(s), tlsRoute(s), httpRouteSelector, ...: said, never silently ignored.
  for (const field of Object.keys(gateway).filter((f) => !GATEWAY_FIELDS.has(f)))
    p.error(`${path}.${field}`, `${path}.${field} is not supported yet`);
  const routes = [
    gateway.httpRoute,
    ...(gateway.httpRoutes ?? []),
    gateway.grpcRoute,
    ...(gateway.grpcRoutes ?? []),
  ];
  if (routes.some(Boolean)) return;
  p.error(path, "Gateway API routing needs httpRoute, httpRoutes, grpcRoute or grpcRoutes");
}

function validateMaxWeight(p: ProblemSink, base: string, routing: TrafficRouting): void {
  const max = routing.maxTrafficWeight;
  if (max !== undefined && (!isInt(max) || max < 1))
    p.error(`${base}.maxTrafficWeight`, `must be a positive integer, got ${max}`);
  if (max !== undefined && !routing.nginx && !routing.plugins && !routing.gatewayAPI)
    p.error(`${base}.maxTrafficWeight`, "maxTrafficWeight is only supported with nginx and plugins");
}
