// Which traffic routers exist: adding one is its folder and one line here. The registry's order is
// the order several routers on one Rollout are applied in.
import type { TrafficRouting } from "../api/rollout.ts";
import { Registry } from "../controller/registry.ts";
import { gatewayAPIRouter } from "./gatewayapi/index.ts";
import { istioRouter } from "./istio/index.ts";
import { nginxRouter } from "./nginx/index.ts";
import type { TrafficRouter } from "./router.ts";

export const trafficRouters = new Registry<TrafficRouter>("traffic router")
  .register(nginxRouter)
  .register(gatewayAPIRouter)
  .register(istioRouter);

/** Fields of spec.strategy.canary.trafficRouting that configure routing rather than name a router. */
const SETTINGS = new Set(["managedRoutes", "maxTrafficWeight", "plugins"]);

/** The peer's plugins that are built into sluice, by plugin name → router name (DESIGN.md §8). */
const BUILT_IN_PLUGINS: Record<string, string> = { "argoproj-labs/gatewayAPI": "gatewayAPI" };

/** Router names a trafficRouting block asks for; a plugin sluice lacks is named `plugins.<name>`. */
function namedRouters(trafficRouting: TrafficRouting): string[] {
  const named = Object.keys(trafficRouting).filter((key) => !SETTINGS.has(key));
  for (const plugin of Object.keys(trafficRouting.plugins ?? {}))
    named.push(BUILT_IN_PLUGINS[plugin] ?? `plugins.${plugin}`);
  return [...new Set(named)];
}

/**
 * The routers a Rollout's trafficRouting names, in the registry's order (a fixed order when
 * several route one Rollout, e.g. nginx and istio together), and the names sluice has no router for.
 */
export function routersFor(
  trafficRouting: TrafficRouting | undefined,
  registry: Registry<TrafficRouter> = trafficRouters,
): { routers: TrafficRouter[]; unsupported: string[] } {
  const named = trafficRouting ? namedRouters(trafficRouting) : [];
  const routers = registry
    .names()
    .filter((name) => named.includes(name))
    .flatMap((name) => registry.get(name) ?? []);
  return { routers, unsupported: named.filter((name) => !registry.has(name)) };
}
