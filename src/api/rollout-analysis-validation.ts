// The analysis a Rollout references, checked up front as the peer's validation does: a missing
// template, args that cannot be resolved, or a gating metric that never ends is an InvalidSpec
// before anything moves — not a surprise at the step, after traffic has shifted. Pure but for the
// lookups, which go through a source (the cluster for the controller, a file for lint).
import { metricSupportProblem } from "../analysis/support.ts";
import type { TemplateLookup } from "../rollout/context.ts";
import {
  analysisFieldPath,
  buildRun,
  RolloutAnalysisError,
  type RunKind,
} from "../rollout/rollout-analysis.ts";
import { lookupTemplates, type TemplateSource } from "../rollout/template-lookup.ts";
import type { AnalysisTemplateSpec } from "./analysis.ts";
import type { Rollout, RolloutAnalysis } from "./rollout.ts";

export interface AnalysisBlock {
  kind: RunKind;
  analysis: RolloutAnalysis;
  stepIndex?: number;
  /** Where in the spec it is, e.g. spec.strategy.canary.steps[1].analysis. */
  field: string;
}

/** Every analysis block the spec references (steps, background, pre- and post-promotion). */
export function analysisBlocks(rollout: Rollout): AnalysisBlock[] {
  const strategy = rollout.spec?.strategy ?? {};
  const blocks: Omit<AnalysisBlock, "field">[] = [];
  (strategy.canary?.steps ?? []).forEach((step, stepIndex) => {
    if (step.analysis) blocks.push({ kind: "Step", analysis: step.analysis, stepIndex });
  });
  if (strategy.canary?.analysis) blocks.push({ kind: "Background", analysis: strategy.canary.analysis });
  const bg = strategy.blueGreen;
  if (bg?.prePromotionAnalysis) blocks.push({ kind: "PrePromotion", analysis: bg.prePromotionAnalysis });
  if (bg?.postPromotionAnalysis) blocks.push({ kind: "PostPromotion", analysis: bg.postPromotionAnalysis });
  return blocks.map((b) => ({ ...b, field: analysisFieldPath(b) }));
}

/** Each block's templates from `source`, by block field. */
export async function lookupBlocks(
  blocks: AnalysisBlock[],
  source: TemplateSource,
): Promise<Map<string, TemplateLookup>> {
  const lookups = new Map<string, TemplateLookup>();
  for (const block of blocks) lookups.set(block.field, await lookupTemplates(source, block.analysis));
  return lookups;
}

export interface AnalysisProblems {
  /** Templates not there (yet): waited for. */
  waiting: string[];
  /** Analysis that can never make a run. */
  invalid: string[];
}

/**
 * Why the run a block would make cannot judge anything (args it cannot resolve, a metric sluice
 * cannot measure), from a trial build; undefined when it can.
 */
function trialRunProblem(
  rollout: Rollout,
  block: AnalysisBlock,
  templates: { name: string; spec: AnalysisTemplateSpec }[],
): string | undefined {
  const wanted = { ...block, name: "validation", hash: "validation" };
  try {
    const run = buildRun(rollout, wanted, "validation", templates);
    return (run.spec?.metrics ?? []).map((m) => metricSupportProblem(m)).find((p) => p);
  } catch (error) {
    if (!(error instanceof RolloutAnalysisError)) throw error;
    return error.message;
  }
}

/** What is wrong with the referenced analysis, from the templates looked up per block field. */
export function analysisProblems(
  rollout: Rollout,
  blocks: AnalysisBlock[],
  lookups: ReadonlyMap<string, TemplateLookup>,
): AnalysisProblems {
  const problems: AnalysisProblems = { waiting: [], invalid: [] };
  for (const block of blocks) {
    const lookup = lookups.get(block.field);
    if (lookup === undefined) continue;
    if ("missing" in lookup) problems.waiting.push(`${block.field}: ${lookup.missing} (waiting for it)`);
    else if ("invalid" in lookup) problems.invalid.push(`${block.field}: ${lookup.invalid}`);
    else {
      const problem = trialRunProblem(rollout, block, lookup.found);
      if (problem !== undefined) problems.invalid.push(`${block.field}: ${problem}`);
    }
  }
  return problems;
}
