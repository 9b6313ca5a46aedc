// The DestinationRule of a subset-level split: its canary and stable subsets select their pods by
// `rollouts-pod-template-hash` (the peer's UpdateHash); every other subset, label and field is
// left as it is. An empty hash removes the label, as the peer does. Pure.
import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "../../kube/types.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../rollout/hash.ts";
import type { RoutingInput, RoutingProblem, RoutingWrite } from "../router.ts";
import { BASE, type DestinationRuleConfig } from "./config.ts";

interface Subset {
  name?: string;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

export interface DestinationRule extends KubeObject {
  spec?: { host?: string; subsets?: Subset[] } & Record<string, unknown>;
}

function withHash(subset: Subset, hash: string): Subset {
  if (!hash && subset.labels?.[POD_TEMPLATE_HASH_LABEL] === undefined) return subset;
  const { [POD_TEMPLATE_HASH_LABEL]: _old, ...labels } = subset.labels ?? {};
  return { ...subset, labels: hash ? { ...labels, [POD_TEMPLATE_HASH_LABEL]: hash } : labels };
}

/** The subsets with the canary's and the stable's hashes in their selectors. */
export function desiredSubsets(
  rule: DestinationRule,
  config: DestinationRuleConfig,
  hashes: RoutingInput["hashes"],
): Subset[] {
  return (rule.spec?.subsets ?? []).map((subset) => {
    if (subset.name === config.canarySubsetName) return withHash(subset, hashes.canary);
    return subset.name === config.stableSubsetName ? withHash(subset, hashes.stable) : subset;
  });
}

/** The live hash of the canary subset (to order the write against the VirtualServices'). */
export const canarySubsetHash = (rule: DestinationRule, config: DestinationRuleConfig) =>
  rule.spec?.subsets?.find((s) => s.name === config.canarySubsetName)?.labels?.[POD_TEMPLATE_HASH_LABEL];

export function destinationRuleProblems(
  rule: DestinationRule | undefined,
  config: DestinationRuleConfig,
): RoutingProblem[] {
  if (!rule)
    return [{ path: `${BASE}.destinationRule.name`, message: `DestinationRule "${config.name}" not found` }];
  const names = new Set((rule.spec?.subsets ?? []).map((s) => s.name));
  return (["canarySubsetName", "stableSubsetName"] as const)
    .filter((field) => !names.has(config[field]))
    .map((field) => ({
      path: `${BASE}.destinationRule.${field}`,
      message: `DestinationRule "${config.name}" has no subset "${config[field]}"`,
    }));
}

export function destinationRuleWrite(
  rule: DestinationRule | undefined,
  config: DestinationRuleConfig,
  hashes: RoutingInput["hashes"],
): RoutingWrite | undefined {
  if (!rule?.metadata?.resourceVersion) return undefined;
  const subsets = desiredSubsets(rule, config, hashes);
  if (isDeepStrictEqual(subsets, rule.spec?.subsets ?? [])) return undefined;
  return {
    kind: "DestinationRule",
    namespace: rule.metadata.namespace ?? "",
    name: config.name,
    patch: { spec: { subsets } },
    resourceVersion: rule.metadata.resourceVersion,
  };
}
