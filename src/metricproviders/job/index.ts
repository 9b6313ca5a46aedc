// Job metric provider: a measurement is a Kubernetes Job; it succeeds when the Job completes and
// fails when the Job fails. Asynchronous: start creates the Job (deterministic name, owned by the
// AnalysisRun so it goes with it), resume reads its conditions on later reconciles.
import { createHash } from "node:crypto";
import type { AnalysisRun, Metric } from "../../api/analysis.ts";
import { isAlreadyExists, isNotFound } from "../../kube/errors.ts";
import { Jobs } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { MeasurementError, type MetricProvider, type Outcome, type ProviderContext } from "../provider.ts";

interface Job extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

export const JOB_NAME_METADATA = "job-name";

/**
 * `<run>-<metric>-<hash>-<measurement>`, within the 63 characters of a name: the short hash of the
 * exact run and metric names keeps two metrics whose names sanitise or truncate alike ("a.b" and
 * "a-b", long names) from ever sharing a Job.
 */
export function jobName(run: AnalysisRun, metric: Metric, index: number): string {
  const base = `${run.metadata?.name}-${metric.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const hash = createHash("sha256").update(`${run.metadata?.name}\0${metric.name}`).digest("hex").slice(0, 5);
  return `${base.slice(0, 46)}-${hash}-${index}`.replace(/^-+/, "");
}

/** The Job a measurement's metadata names. */
const nameIn = (metadata: Record<string, string>) => metadata[JOB_NAME_METADATA] ?? "";

/** The Job of one measurement, owned by the run so it goes with it. */
function jobOf(context: ProviderContext, name: string): Job {
  const { run, metric } = context;
  const config = metric.provider?.job as
    | { metadata?: { labels?: Record<string, string> }; spec?: unknown }
    | undefined;
  if (!config?.spec) throw new MeasurementError(`metric ${metric.name}: job.spec is required`);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: run.metadata?.namespace ?? "",
      labels: { ...config.metadata?.labels, "sluice.dev/analysisrun": run.metadata?.name ?? "" },
      ownerReferences: [
        {
          apiVersion: "sluice.dev/v1alpha1",
          kind: "AnalysisRun",
          name: run.metadata?.name ?? "",
          uid: run.metadata?.uid ?? "",
          controller: true,
        },
      ],
    },
    spec: config.spec as Record<string, unknown>,
  };
}

/** Creates the Job of the measurement; an existing one (a retried reconcile) is reused. */
async function start(context: ProviderContext): Promise<Outcome> {
  const name = jobName(context.run, context.metric, context.measurement);
  try {
    await context.client.create(Jobs, jobOf(context, name), context.fieldManager);
  } catch (error) {
    if (!isAlreadyExists(error))
      throw new MeasurementError(
        `metric ${context.metric.name}: creating Job ${name}: ${(error as Error).message}`,
      );
  }
  return { kind: "running", metadata: { [JOB_NAME_METADATA]: name } };
}

/** The Job's outcome, or still running. */
async function resume(context: ProviderContext, metadata: Record<string, string>): Promise<Outcome> {
  const name = nameIn(metadata);
  let job: Job;
  try {
    job = await context.client.get<Job>(Jobs, { namespace: context.run.metadata?.namespace, name });
  } catch (error) {
    if (isNotFound(error)) throw new MeasurementError(`Job ${name} disappeared`);
    throw error;
  }
  const holds = (type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === "True");
  if (holds("Complete")) return { kind: "verdict", phase: "Successful" };
  const failed = holds("Failed");
  if (failed) {
    const message = `Job ${name} failed${failed.message ? `: ${failed.message}` : ""}`;
    return { kind: "verdict", phase: "Failed", message };
  }
  return { kind: "running", metadata };
}

/**
 * Stops the Job of a measurement in flight (its run ended): deleted with its pods, as the peer's
 * job provider does. Already gone is done.
 */
async function terminate(context: ProviderContext, metadata: Record<string, string>): Promise<void> {
  const namespace = context.run.metadata?.namespace;
  await context.client
    .delete(Jobs, { namespace, name: nameIn(metadata) }, { propagationPolicy: "Background" })
    .catch((error) => {
      if (!isNotFound(error)) throw error;
    });
}

/** The registry entry: a measurement is a Job, in flight until the Job completes or fails. */
export const jobProvider: MetricProvider = { name: "job", start, resume, terminate };
