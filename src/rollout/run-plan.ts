// What the AnalysisRuns a plan wants mean for this reconcile (pure): ours and present → nothing;
// ours but cut short → replaced (deleted now, made at the next look); absent → made from the
// templates looked up for it, waited for while a template is missing, refused (the rollout
// aborts) when the templates cannot make a run; someone else's → reported, never touched.
import type { AnalysisRun } from "../api/analysis.ts";
import type { RolloutContext } from "./context.ts";
import { analysisFieldPath, buildRun, RolloutAnalysisError, type WantedRun } from "./rollout-analysis.ts";

export interface MissingTemplate {
  /** Where in the spec the analysis is, e.g. spec.strategy.canary.steps[1].analysis. */
  field: string;
  run: string;
  err: string;
}

export interface RunActions {
  create: AnalysisRun[];
  /** Ours, stopped by us, wanted again: deleted to make way for a fresh one. */
  replace: string[];
  /** Absent and not looked up yet: the shell looks their templates up and plans again. */
  lookups: WantedRun[];
  missing: MissingTemplate[];
  /** The first run whose analysis cannot start, and why. */
  refused?: { wanted: WantedRun; reason: string };
  /** Names taken by runs this Rollout does not control. */
  conflicts: string[];
}

/** `revision`: the update's (its ReplicaSet's), recorded on the runs it makes. */
export function planRuns(
  context: RolloutContext,
  wanted: WantedRun[],
  stableHash: string,
  revision: number,
): RunActions {
  const actions: RunActions = { create: [], replace: [], lookups: [], missing: [], conflicts: [] };
  for (const run of wanted) {
    const seen = context.run(run.name);
    if (seen?.kind === "ours") continue;
    if (seen?.kind === "foreign") actions.conflicts.push(run.name);
    else if (seen?.kind === "cutShort") actions.replace.push(run.name);
    else absentRun(context, run, { stableHash, revision }, actions);
  }
  return actions;
}

function absentRun(
  context: RolloutContext,
  run: WantedRun,
  update: { stableHash: string; revision: number },
  actions: RunActions,
) {
  const lookup = context.templates.get(run.name);
  if (lookup === undefined) actions.lookups.push(run);
  else if ("missing" in lookup)
    actions.missing.push({ field: analysisFieldPath(run), run: run.name, err: lookup.missing });
  else if ("invalid" in lookup) actions.refused ??= { wanted: run, reason: lookup.invalid };
  else {
    try {
      actions.create.push(buildRun(context.rollout, run, update.stableHash, lookup.found, update.revision));
    } catch (error) {
      if (!(error instanceof RolloutAnalysisError)) throw error;
      actions.refused ??= { wanted: run, reason: error.message };
    }
  }
}
