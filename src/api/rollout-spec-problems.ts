// Everything the Rollout controller refuses a spec for (InvalidSpec), from a world it is given:
// the Services, the objects traffic routers read and the AnalysisTemplates — the controller's
// caches and the API server, or the objects in one file for `kubectl sluice lint`. One path for
// both, so lint's verdict is the controller's (DESIGN.md §8).
import type { TemplateSource } from "../rollout/template-lookup.ts";
import { routersFor } from "../trafficrouting/registry.ts";
import type { RoutingLookup, RoutingProblem } from "../trafficrouting/router.ts";
import type { Rollout } from "./rollout.ts";
import { analysisBlocks, analysisProblems, lookupBlocks } from "./rollout-analysis-validation.ts";
import {
  type FieldProblem,
  formatProblem,
  type ReferenceResolver,
  validateRollout,
} from "./rollout-validation.ts";

/** What the controller looks references up in. */
export interface SpecWorld {
  service: ReferenceResolver["service"];
  routing: RoutingLookup;
  /** Routed kinds the API server does not serve, one problem per field naming one. */
  unserved?: RoutingProblem[];
  templates: TemplateSource;
}

/** What is wrong with the objects the Rollout's traffic routers read (a missing stable Ingress, ...). */
export function routingProblems(
  rollout: Rollout,
  lookup: RoutingLookup,
  unserved: RoutingProblem[] = [],
): FieldProblem[] {
  const trafficRouting = rollout.spec?.strategy?.canary?.trafficRouting;
  if (!trafficRouting) return [];
  // A kind the cluster does not serve is the one problem worth saying about its objects.
  const problems =
    unserved.length > 0
      ? unserved
      : routersFor(trafficRouting).routers.flatMap((router) => router.problems({ rollout, lookup }));
  return problems.map((p) => ({ ...p, severity: "error" as const }));
}

/** The spec's own problems (errors and warnings), then those of the objects its routers read. */
export function rolloutSpecProblems(rollout: Rollout, world: Omit<SpecWorld, "templates">): FieldProblem[] {
  return [
    ...validateRollout(rollout, { service: world.service }),
    ...routingProblems(rollout, world.routing, world.unserved),
  ];
}

export interface InvalidSpec {
  /** The spec's and its references' errors, each "path: message". */
  problems: string[];
  /** Referenced analysis that can never make a run. */
  invalid: string[];
  /** Referenced templates not there (yet). */
  waiting: string[];
}

/**
 * Why the controller refuses the Rollout (all empty: it does not). The referenced analysis is
 * judged only when `withAnalysis` (the controller: an update is about to start).
 */
export async function invalidSpec(
  rollout: Rollout,
  world: SpecWorld,
  withAnalysis: boolean,
): Promise<InvalidSpec> {
  const problems = rolloutSpecProblems(rollout, world)
    .filter((p) => p.severity === "error")
    .map(formatProblem);
  if (!withAnalysis) return { problems, invalid: [], waiting: [] };
  const blocks = analysisBlocks(rollout);
  return { problems, ...analysisProblems(rollout, blocks, await lookupBlocks(blocks, world.templates)) };
}
