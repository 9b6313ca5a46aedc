// Canary `analysis` steps: the AnalysisRun of a step has a deterministic name
// (<rollout>-<pod-template-hash>-<step>), is made from the step's templates and args, and is owned
// by the Rollout. The Rollout controller creates it when the step is reached and reads its phase
// back; the canary machine turns the phase into advance, abort or pause.

import { mergeTemplates } from "../analysis/templates.ts";
import type { AnalysisRun, AnalysisTemplateSpec, Argument } from "../api/analysis.ts";
import type { Rollout, RolloutAnalysis } from "../api/rollout.ts";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns, AnalysisTemplates, ClusterAnalysisTemplates } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";

export function stepRunName(rollout: Rollout, hash: string, stepIndex: number): string {
  return `${rollout.metadata?.name}-${hash}-${stepIndex}`;
}

export class StepAnalysisError extends Error {}

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
      throw new StepAnalysisError(
        `${ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"} "${name}" not found`,
      );
    }
    throw error;
  }
}

function stepArgs(analysis: RolloutAnalysis, hashes: { stable: string; latest: string }): Argument[] {
  return (analysis.args ?? []).map((arg) => {
    const hashFrom = arg.valueFrom?.podTemplateHashValue;
    if (hashFrom) return { name: arg.name, value: hashFrom === "Stable" ? hashes.stable : hashes.latest };
    if (arg.valueFrom?.fieldRef)
      throw new StepAnalysisError(`args[${arg.name}].valueFrom.fieldRef is not supported yet`);
    return { name: arg.name, ...(arg.value !== undefined ? { value: arg.value } : {}) };
  });
}

/** Creates the step's AnalysisRun unless it exists. */
export async function ensureStepRun(
  client: KubeClient,
  rollout: Rollout,
  analysis: RolloutAnalysis,
  stepIndex: number,
  hashes: { stable: string; latest: string },
  fieldManager: string,
): Promise<void> {
  const namespace = rollout.metadata?.namespace ?? "";
  const templates = [];
  for (const ref of analysis.templates ?? []) templates.push(await template(client, namespace, ref));
  let spec: AnalysisRun["spec"];
  try {
    spec = mergeTemplates(templates, stepArgs(analysis, hashes));
  } catch (error) {
    throw new StepAnalysisError((error as Error).message);
  }
  const run: AnalysisRun = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: stepRunName(rollout, hashes.latest, stepIndex),
      namespace,
      labels: {
        "rollout-type": "Step",
        "step-index": String(stepIndex),
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
