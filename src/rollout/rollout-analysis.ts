// The AnalysisRuns a Rollout starts: canary `analysis` steps, canary background analysis and
// blue/green pre- and post-promotion analysis. Each has a deterministic name
// (<rollout>-<pod-template-hash>-<round>-<step|background|pre|post>, like the peer's
// <rollout>-<hash>-<revision>-<step>), so a restarted controller finds the run of the attempt in
// progress; a new round (new template, retry) gets fresh runs. Runs are made from the referenced
// templates and args and owned by the Rollout; the planners turn their phases into advance,
// abort or pause.

import { effectiveCount } from "../analysis/assess.ts";
import { resolveFieldRef } from "../analysis/field-ref.ts";
import { mergeTemplates } from "../analysis/templates.ts";
import type { AnalysisPhase, AnalysisRun, AnalysisTemplateSpec, Argument } from "../api/analysis.ts";
import type { Rollout, RolloutAnalysis } from "../api/rollout.ts";
import { INSTANCE_ID_LABEL } from "../controller/kernel.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";
import { controllerRef, REVISION_ANNOTATION } from "./world.ts";

export type RunKind = "Step" | "Background" | "PrePromotion" | "PostPromotion";

/** An AnalysisRun the plan needs to exist. */
export interface WantedRun {
  kind: RunKind;
  name: string;
  analysis: RolloutAnalysis;
  hash: string;
  stepIndex?: number;
}

/** Where in the Rollout's spec the analysis a wanted run comes from. */
export function analysisFieldPath(wanted: Pick<WantedRun, "kind" | "stepIndex">): string {
  switch (wanted.kind) {
    case "Step":
      return `spec.strategy.canary.steps[${wanted.stepIndex ?? 0}].analysis`;
    case "Background":
      return "spec.strategy.canary.analysis";
    case "PrePromotion":
      return "spec.strategy.blueGreen.prePromotionAnalysis";
    case "PostPromotion":
      return "spec.strategy.blueGreen.postPromotionAnalysis";
  }
}

/** An AnalysisRun as the controller found it. */
export interface ObservedRun {
  name: string;
  phase: AnalysisPhase;
  message?: string;
}

export type RunLookup = (name: string) => ObservedRun | undefined;

const SUFFIX: Record<Exclude<RunKind, "Step">, string> = {
  Background: "background",
  PrePromotion: "pre",
  PostPromotion: "post",
};

/**
 * `<rollout>-<hash>-<round>-<step index | background | pre | post>`; `index` is the step's index
 * for a step run and the number of restarts for a background run (`background-<n>` from the first).
 * A step, pre- or post-promotion run resumed after an Inconclusive verdict gets `.<restarts>`
 * (the peer marks a run made again the same way).
 */
export function analysisRunName(
  rollout: Rollout,
  hash: string,
  round: number,
  kind: RunKind,
  index = 0,
  restarts = 0,
): string {
  const suffix = kind === "Step" ? String(index) : index > 0 ? `${SUFFIX[kind]}-${index}` : SUFFIX[kind];
  const again = kind !== "Background" && restarts > 0 ? `.${restarts}` : "";
  return `${rollout.metadata?.name}-${hash}-${round}-${suffix}${again}`;
}

/** The Rollout-status view of a run (`currentStepAnalysisRunStatus` and friends). */
export function runStatusOf(run: ObservedRun | undefined) {
  if (!run) return undefined;
  return { name: run.name, status: run.phase, ...(run.message ? { message: run.message } : {}) };
}

export class RolloutAnalysisError extends Error {}

/**
 * The run's spec from its templates and the Rollout's analysis block. Runs that gate a step or a
 * promotion must end by themselves: a metric with an interval and no count (which measures until
 * terminated) is only for background analysis, as the peer's validation says.
 */
export function runSpecFor(
  kind: RunKind,
  templates: { name: string; spec: AnalysisTemplateSpec }[],
  analysis: RolloutAnalysis,
  args: Argument[],
): NonNullable<AnalysisRun["spec"]> {
  let spec: NonNullable<AnalysisRun["spec"]>;
  try {
    spec = mergeTemplates(templates, args);
  } catch (error) {
    throw new RolloutAnalysisError((error as Error).message);
  }
  if ((spec.metrics ?? []).length === 0) throw new RolloutAnalysisError("the templates define no metrics");
  if (kind !== "Background") {
    const endless = (spec.metrics ?? []).find((m) => effectiveCount(m) === Number.POSITIVE_INFINITY);
    if (endless)
      throw new RolloutAnalysisError(
        `metric "${endless.name}" has an interval and no count, so it never ends; only background analysis may run indefinitely`,
      );
  }
  spec.dryRun = [...(spec.dryRun ?? []), ...(analysis.dryRun ?? [])];
  spec.measurementRetention = [
    ...(spec.measurementRetention ?? []),
    ...(analysis.measurementRetention ?? []),
  ];
  return spec;
}

function runArgs(
  rollout: Rollout,
  analysis: RolloutAnalysis,
  hashes: { stable: string; latest: string },
): Argument[] {
  return (analysis.args ?? []).map((arg) => {
    const hashFrom = arg.valueFrom?.podTemplateHashValue;
    if (hashFrom) return { name: arg.name, value: hashFrom === "Stable" ? hashes.stable : hashes.latest };
    const fieldRef = arg.valueFrom?.fieldRef;
    if (fieldRef) {
      try {
        return { name: arg.name, value: resolveFieldRef(rollout, fieldRef.fieldPath ?? "") };
      } catch (error) {
        throw new RolloutAnalysisError(`args[${arg.name}].valueFrom: ${(error as Error).message}`);
      }
    }
    return { name: arg.name, ...(arg.value !== undefined ? { value: arg.value } : {}) };
  });
}

const instanceLabel = (rollout: Rollout): Record<string, string> => {
  const id = rollout.metadata?.labels?.[INSTANCE_ID_LABEL];
  return id ? { [INSTANCE_ID_LABEL]: id } : {};
};

/**
 * The AnalysisRun a wanted run is, from the templates looked up for it; throws
 * RolloutAnalysisError when they cannot make one (no metrics, an endless step metric, an arg that
 * cannot be resolved).
 */
export function buildRun(
  rollout: Rollout,
  wanted: WantedRun,
  stableHash: string,
  templates: { name: string; spec: AnalysisTemplateSpec }[],
  revision = 0,
): AnalysisRun {
  const { analysis } = wanted;
  const hashes = { stable: stableHash, latest: wanted.hash };
  const spec = runSpecFor(wanted.kind, templates, analysis, runArgs(rollout, analysis, hashes));
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: wanted.name,
      namespace: rollout.metadata?.namespace ?? "",
      // The peer's labels and revision annotation, so tools that select runs by them still work.
      labels: {
        "rollout-type": wanted.kind,
        ...(wanted.kind === "Step" ? { "step-index": String(wanted.stepIndex ?? 0) } : {}),
        [POD_TEMPLATE_HASH_LABEL]: hashes.latest,
        ...analysis.analysisRunMetadata?.labels,
        ...rollout.spec?.selector?.matchLabels,
        // The run belongs to the controller instance its Rollout does (--instance-id).
        ...instanceLabel(rollout),
      },
      annotations: { [REVISION_ANNOTATION]: String(revision), ...analysis.analysisRunMetadata?.annotations },
      ownerReferences: [controllerRef(rollout)],
    },
    spec,
  };
}
