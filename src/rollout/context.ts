// What one Rollout reconcile plans from, read once and frozen: the Rollout and the objects it owns
// (from the caches), the clock, and the outcomes of the I/O the planner needs (template lookups,
// the restart round). The planner reads nothing else, so the same context always gives the same
// plan.

import type { AnalysisRun, AnalysisTemplateSpec } from "../api/analysis.ts";
import type { Rollout } from "../api/rollout.ts";
import type { RoutingLookup } from "../trafficrouting/router.ts";
import type { ObservedRun } from "./rollout-analysis.ts";
import type { StableEndpoints } from "./stable-endpoints.ts";
import type { ReplicaSet } from "./world.ts";

/** An AnalysisRun by name, as far as this Rollout is concerned. */
export type RunSighting =
  | { kind: "ours"; run: ObservedRun }
  /** Ours, but stopped by us earlier (never judged; replaced when wanted again). */
  | { kind: "cutShort" }
  /** Exists and is not controlled by this Rollout. */
  | { kind: "foreign" };

/** The templates a wanted run is made of, as looked up before planning. */
export type TemplateLookup =
  | { found: { name: string; spec: AnalysisTemplateSpec }[] }
  /** A referenced template is not there (yet: it may arrive with the same apply). */
  | { missing: string }
  /** The templates cannot make a run (nesting too deep). */
  | { invalid: string };

export interface RolloutContext {
  readonly rollout: Rollout;
  /** The ReplicaSets the Rollout controls. */
  readonly replicaSets: readonly ReplicaSet[];
  /** Pod-template hash of spec.template (an adopted identical ReplicaSet's hash when there is one). */
  readonly templateHash: string;
  readonly now: number;
  /** AnalysisRuns by name; undefined when there is none. */
  readonly run: (name: string) => RunSighting | undefined;
  /** Every AnalysisRun the Rollout controls (for housekeeping). */
  readonly ownedRuns: readonly AnalysisRun[];
  /** Template lookups for wanted runs that do not exist yet, by run name. */
  readonly templates: ReadonlyMap<string, TemplateLookup>;
  /** spec.restartAt: "evicting" while pods older than it are left, "done" once none is. */
  readonly restart?: "evicting" | "done" | undefined;
  /** The objects traffic routers read (stable Ingresses, their canary copies), as last seen. */
  readonly routing: RoutingLookup;
  /** A canary without a router: what its stable Service is seen to serve (stable-endpoints.ts). */
  readonly stableEndpoints?: StableEndpoints;
}

/** A context for a Rollout and its ReplicaSets alone (no runs, no lookups): tests and tools. */
export function plainContext(
  rollout: Rollout,
  replicaSets: readonly ReplicaSet[],
  templateHash: string,
  now: number,
  runs: (name: string) => ObservedRun | undefined = () => undefined,
): RolloutContext {
  return Object.freeze({
    rollout,
    replicaSets,
    templateHash,
    now,
    run: (name: string) => {
      const run = runs(name);
      return run ? { kind: "ours" as const, run } : undefined;
    },
    ownedRuns: [],
    templates: new Map(),
    routing: () => undefined,
  });
}

/** The observed run of a name when it is this Rollout's and counts. */
export const observedRun = (context: RolloutContext, name: string | undefined): ObservedRun | undefined => {
  if (name === undefined) return undefined;
  const seen = context.run(name);
  return seen?.kind === "ours" ? seen.run : undefined;
};
