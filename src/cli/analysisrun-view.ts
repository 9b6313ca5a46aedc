// Reads AnalysisRuns for the analysis commands (one, a namespace's, every namespace's, or one kept
// current by a watch), saying clearly when the run or its kind is missing.
import pino from "pino";
import type { AnalysisRun } from "../api/analysis.ts";
import { Informer } from "../controller/informer.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { AnalysisRuns, type ObjectRef } from "../kube/resources.ts";
import { CliError } from "./errors.ts";
import { missingKind } from "./rollout-view.ts";

const KIND_MISSING = "the AnalysisRun kind (analysisruns.sluice.dev) is not installed in this cluster";

export async function getAnalysisRun(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<AnalysisRun> {
  try {
    return await client.get<AnalysisRun>(AnalysisRuns, { namespace, name });
  } catch (error) {
    if (missingKind(error, name)) throw new CliError(KIND_MISSING);
    if (isNotFound(error)) throw new CliError(`analysisrun "${name}" not found in namespace "${namespace}"`);
    throw error;
  }
}

/** The runs of a namespace, or of all namespaces when `namespace` is undefined. */
export async function listAnalysisRuns(
  client: KubeClient,
  namespace: string | undefined,
): Promise<AnalysisRun[]> {
  try {
    return (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
  } catch (error) {
    if (isNotFound(error)) throw new CliError(KIND_MISSING);
    throw error;
  }
}

export interface AnalysisRunWatch {
  /** Resolves once the watch has listed (or is stopped). */
  synced: Promise<void>;
  /** The run as last seen (undefined once deleted). */
  current(): AnalysisRun | undefined;
  stop(): Promise<void>;
}

const silent = pino({ level: "silent" });

/** One run through the kernel's informer (LIST then WATCH, reconnecting): no polling. */
export function watchAnalysisRun(
  client: KubeClient,
  ref: Required<ObjectRef>,
  onChange: () => void,
): AnalysisRunWatch {
  const informer = new Informer<AnalysisRun>({
    client,
    type: AnalysisRuns,
    namespace: ref.namespace,
    fieldSelector: `metadata.name=${ref.name}`,
    logger: silent,
  });
  informer.on(() => onChange());
  return {
    synced: informer.start(),
    current: () => informer.cache.get(`${ref.namespace}/${ref.name}`),
    stop: () => informer.stop(),
  };
}
