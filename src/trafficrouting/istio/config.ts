// The peer's `trafficRouting.istio` as the router reads it: the VirtualServices (one, or several),
// each with the field path its problems are reported at, and the optional DestinationRule of a
// subset-level split. Pure.
import type { IstioTrafficRouting, IstioVirtualService, Rollout } from "../../api/rollout.ts";
import type { RoutingReference } from "../router.ts";

export const BASE = "spec.strategy.canary.trafficRouting.istio";

/** A VirtualService the Rollout names, its config, and the path of that config in the spec. */
export interface VirtualServiceReference extends RoutingReference {
  kind: "VirtualService";
  config: IstioVirtualService;
  /** e.g. spec.strategy.canary.trafficRouting.istio.virtualServices[1] */
  base: string;
}

export type DestinationRuleConfig = NonNullable<IstioTrafficRouting["destinationRule"]>;

export const istioOf = (rollout: Rollout): IstioTrafficRouting =>
  rollout.spec?.strategy?.canary?.trafficRouting?.istio ?? {};

/**
 * `<name>.<namespace>` names a VirtualService in another namespace (the peer's form: exactly one
 * dot); any other name is in the Rollout's namespace.
 */
function nameAndNamespace(name: string): { name: string; namespace?: string } {
  const parts = name.split(".");
  return parts.length === 2 && parts[0] && parts[1] ? { name: parts[0], namespace: parts[1] } : { name };
}

export function virtualServicesOf(rollout: Rollout): VirtualServiceReference[] {
  const istio = istioOf(rollout);
  const listed = istio.virtualService
    ? [{ config: istio.virtualService, base: `${BASE}.virtualService` }]
    : (istio.virtualServices ?? []).map((config, i) => ({ config, base: `${BASE}.virtualServices[${i}]` }));
  return listed
    .filter(({ config }) => Boolean(config.name))
    .map(({ config, base }) => ({
      kind: "VirtualService",
      ...nameAndNamespace(config.name),
      field: `${base}.name`,
      config,
      base,
    }));
}

/** The DestinationRule of a subset-level split (always in the Rollout's namespace, as the peer's). */
export function destinationRuleOf(
  rollout: Rollout,
): { ref: RoutingReference; config: DestinationRuleConfig } | undefined {
  const config = istioOf(rollout).destinationRule;
  if (!config?.name) return undefined;
  return {
    ref: { kind: "DestinationRule", name: config.name, field: `${BASE}.destinationRule.name` },
    config,
  };
}
