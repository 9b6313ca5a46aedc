// The rules of `trafficRouting.istio` (the peer's): virtualService xor virtualServices, each with a
// name; a destinationRule names itself and two different subsets. additionalSubsetNames serve the
// peer's experiments, which sluice does not run yet.
import type { IstioTrafficRouting, IstioVirtualService } from "./rollout.ts";

export interface IstioProblem {
  path: string;
  message: string;
}

const virtualServiceProblems = (path: string, vs: IstioVirtualService): IstioProblem[] =>
  vs.name ? [] : [{ path: `${path}.name`, message: "a VirtualService needs a name" }];

function destinationRuleProblems(path: string, rule: IstioTrafficRouting["destinationRule"]): IstioProblem[] {
  if (!rule) return [];
  const problems = (["name", "canarySubsetName", "stableSubsetName"] as const)
    .filter((field) => !rule[field])
    .map((field) => ({ path: `${path}.${field}`, message: `destinationRule needs ${field}` }));
  if (rule.canarySubsetName && rule.canarySubsetName === rule.stableSubsetName)
    problems.push({
      path: `${path}.stableSubsetName`,
      message: "canarySubsetName and stableSubsetName must be different subsets",
    });
  if (rule.additionalSubsetNames !== undefined)
    problems.push({
      path: `${path}.additionalSubsetNames`,
      message: `${path}.additionalSubsetNames is not supported yet`,
    });
  return problems;
}

export function istioProblems(base: string, istio: IstioTrafficRouting | undefined): IstioProblem[] {
  if (!istio) return [];
  const { virtualService, virtualServices } = istio;
  const problems: IstioProblem[] = [];
  if (!virtualService && !virtualServices?.length)
    problems.push({ path: base, message: "istio needs virtualService or virtualServices" });
  if (virtualService && virtualServices?.length)
    problems.push({
      path: `${base}.virtualServices`,
      message: "virtualService and virtualServices cannot both be set",
    });
  if (virtualService) problems.push(...virtualServiceProblems(`${base}.virtualService`, virtualService));
  for (const [i, vs] of (virtualServices ?? []).entries())
    problems.push(...virtualServiceProblems(`${base}.virtualServices[${i}]`, vs));
  problems.push(...destinationRuleProblems(`${base}.destinationRule`, istio.destinationRule));
  return problems;
}
