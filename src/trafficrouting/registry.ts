// Which traffic routers exist: adding one is its folder and one line here. The registry's order is
// the order several routers on one Rollout are applied in.
import { Registry } from "../controller/registry.ts";
import { nginxRouter } from "./nginx/index.ts";
import type { TrafficRouter } from "./router.ts";

export const trafficRouters = new Registry<TrafficRouter>("traffic router").register(nginxRouter);

/** Fields of spec.strategy.canary.trafficRouting that configure routing rather than name a router. */
const SETTINGS = new Set(["managedRoutes", "maxTrafficWeight"]);

/**
 * The routers a Rollout's trafficRouting names, in the registry's order (a fixed order when
 * several route one Rollout, e.g. nginx and istio together), and the names sluice has no router for.
 */
export function routersFor(
  trafficRouting: object | undefined,
  registry: Registry<TrafficRouter> = trafficRouters,
): { routers: TrafficRouter[]; unsupported: string[] } {
  const named = Object.keys(trafficRouting ?? {}).filter((key) => !SETTINGS.has(key));
  const routers = registry
    .names()
    .filter((name) => named.includes(name))
    .flatMap((name) => registry.get(name) ?? []);
  return { routers, unsupported: named.filter((name) => !registry.has(name)) };
}
