// An informer index of Rollouts by the Services they name (`<namespace>/<name>` of the canary,
// stable, active and preview Services), so a Service event wakes only the Rollouts that use it.
import type { Rollout } from "../api/rollout.ts";
import { routersFor } from "../trafficrouting/registry.ts";

export function byServiceNamed(rollout: Rollout): string[] {
  const strategy = rollout.spec?.strategy ?? {};
  const names = [
    strategy.canary?.canaryService,
    strategy.canary?.stableService,
    strategy.blueGreen?.activeService,
    strategy.blueGreen?.previewService,
  ].filter((n): n is string => Boolean(n));
  const namespace = rollout.metadata?.namespace ?? "";
  return [...new Set(names)].map((name) => `${namespace}/${name}`);
}

/** An informer index of Rollouts by the objects their traffic routers read (`<Kind>/<namespace>/<name>`). */
export function byRoutedObject(rollout: Rollout): string[] {
  const trafficRouting = rollout.spec?.strategy?.canary?.trafficRouting;
  if (!trafficRouting) return [];
  const namespace = rollout.metadata?.namespace ?? "";
  return routersFor(trafficRouting)
    .routers.flatMap((router) => router.references(rollout))
    .map((ref) => `${ref.kind}/${ref.namespace ?? namespace}/${ref.name}`);
}
