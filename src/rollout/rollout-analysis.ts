// The AnalysisRuns a Rollout starts: canary `analysis` steps, canary background analysis and
// blue/green pre- and post-promotion analysis. Each has a deterministic name
// (<rollout>-<pod-template-hash>-<round>-<step|background|pre|post>, like the peer's
// <rollout>-<hash>-<revision>-<step>), so a restarted controller finds the run of the attempt in
// progress; a new round (new template, retry) gets fresh runs. Runs are made from the referenced
// templates and args and owned by the Rollout; the planners turn their phases into advance,
// abort or pause.

import { resolveFieldRef } from "../analysis/field-ref.ts";
import { mergeTemplates } from "../analysis/templates.ts";
import type { AnalysisPhase, AnalysisRun, AnalysisTemplateSpec, Argument } from "../api/analysis.ts";
import type { Rollout, RolloutAnalysis } from "../api/rollout.ts";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns, AnalysisTemplates, ClusterAnalysisTemplates } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";

export type RunKind = "Step" | "Background" | "PrePromotion" | "PostPromotion";

/** An AnalysisRun the plan needs to exist. */
export interface WantedRun {
  kind: RunKind;
  name: string;
  analysis: RolloutAnalysis;
  hash: string;
  stepIndex?: number;
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

export function analysisRunName(
  rollout: Rollout,
  hash: string,
  round: number,
  kind: RunKind,
  stepIndex = 0,
): string {
  const suffix = kind === "Step" ? String(stepIndex) : SUFFIX[kind];
  return `${rollout.metadata?.name}-${hash}-${round}-${suffix}`;
}

/** The Rollout-status view of a run (`currentStepAnalysisRunStatus` and friends). */
export function runStatusOf(run: ObservedRun | undefined) {
  if (!run) return undefined;
  return { name: run.name, status: run.phase, ...(run.message ? { message: run.message } : {}) };
}

export class RolloutAnalysisError extends Error {}

async function template(
  client: KubeClient,
  namespace: string,
  ref: { templateName?: string; clusterScope?: boolean },
) {
  const name = ref.templateName ?? "";
  try {
    const found = await client.get<KubeObject & { spec?: AnalysisTemplateSpec }>(
      ref.clusterScope ? ClusterAnalysisTemplates : AnalysisTemplates,
      { namespace, name },
    );
    return { name, spec: found.spec ?? {} };
  } catch (error) {
    if (isNotFound(error)) {
      throw new RolloutAnalysisError(
        `${ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${name}" not found`,
      );
    }
    throw error;
  }
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

/** Creates the wanted AnalysisRun unless it exists. */
export async function ensureRun(
  client: KubeClient,
  rollout: Rollout,
  wanted: WantedRun,
  stableHash: string,
  fieldManager: string,
): Promise<void> {
  const { analysis } = wanted;
  const hashes = { stable: stableHash, latest: wanted.hash };
  const namespace = rollout.metadata?.namespace ?? "";
  const templates = [];
  for (const ref of analysis.templates ?? []) templates.push(await template(client, namespace, ref));
  let spec: AnalysisRun["spec"];
  try {
    spec = mergeTemplates(templates, runArgs(rollout, analysis, hashes));
  } catch (error) {
    throw new RolloutAnalysisError((error as Error).message);
  }
  const run: AnalysisRun = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: wanted.name,
      namespace,
      labels: {
        "rollout-type": wanted.kind,
        ...(wanted.kind === "Step" ? { "step-index": String(wanted.stepIndex ?? 0) } : {}),
        [POD_TEMPLATE_HASH_LABEL]: hashes.latest,
        ...analysis.analysisRunMetadata?.labels,
      },
      ...(analysis.analysisRunMetadata?.annotations
        ? { annotations: analysis.analysisRunMetadata.annotations }
        : {}),
      ownerReferences: [
        {
          apiVersion: "sluice.dev/v1alpha1",
          kind: "Rollout",
          name: rollout.metadata?.name ?? "",
          uid: rollout.metadata?.uid ?? "",
          controller: true,
        },
      ],
    },
    spec,
  };
  try {
    await client.create(AnalysisRuns, run, fieldManager);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
