// Job metric provider: a measurement is a Kubernetes Job; it succeeds when the Job completes and
// fails when the Job fails. Asynchronous: start() creates the Job (deterministic name, owned by
// the AnalysisRun so it goes with it), poll() reads its conditions on later reconciles.
import { createHash } from "node:crypto";
import type { AnalysisRun, Metric } from "../../api/analysis.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../../kube/errors.ts";
import { Jobs } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { MeasurementError } from "../provider.ts";

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

export class JobProvider {
  readonly type = "job";

  constructor(
    private readonly client: KubeClient,
    private readonly run: AnalysisRun,
    private readonly metric: Metric,
    private readonly fieldManager: string,
  ) {}

  /** Creates the Job of measurement `index`; an existing one (a retried reconcile) is reused. */
  async start(index: number): Promise<string> {
    const config = this.metric.provider?.job as
      | { metadata?: { labels?: Record<string, string> }; spec?: unknown }
      | undefined;
    if (!config?.spec) throw new MeasurementError(`metric ${this.metric.name}: job.spec is required`);
    const name = jobName(this.run, this.metric, index);
    const job: Job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: this.run.metadata?.namespace ?? "",
        labels: { ...config.metadata?.labels, "sluice.dev/analysisrun": this.run.metadata?.name ?? "" },
        ownerReferences: [
          {
            apiVersion: "sluice.dev/v1alpha1",
            kind: "AnalysisRun",
            name: this.run.metadata?.name ?? "",
            uid: this.run.metadata?.uid ?? "",
            controller: true,
          },
        ],
      },
      spec: config.spec as Record<string, unknown>,
    };
    try {
      await this.client.create(Jobs, job, this.fieldManager);
    } catch (error) {
      if (!isAlreadyExists(error))
        throw new MeasurementError(
          `metric ${this.metric.name}: creating Job ${name}: ${(error as Error).message}`,
        );
    }
    return name;
  }

  /**
   * Stops the Job of a measurement in flight (its run was terminated): deleted with its pods, as
   * the peer's job provider does. Already gone is done.
   */
  async terminate(name: string): Promise<void> {
    const namespace = this.run.metadata?.namespace;
    await this.client
      .delete(Jobs, { namespace, name }, { propagationPolicy: "Background" })
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
  }

  /** The Job's outcome, or undefined while it runs. */
  async poll(name: string): Promise<{ phase: "Successful" | "Failed"; message?: string } | undefined> {
    let job: Job;
    try {
      job = await this.client.get<Job>(Jobs, { namespace: this.run.metadata?.namespace, name });
    } catch (error) {
      if (isNotFound(error)) throw new MeasurementError(`Job ${name} disappeared`);
      throw error;
    }
    const holds = (type: string) =>
      job.status?.conditions?.find((c) => c.type === type && c.status === "True");
    if (holds("Complete")) return { phase: "Successful" };
    const failed = holds("Failed");
    if (failed)
      return { phase: "Failed", message: `Job ${name} failed${failed.message ? `: ${failed.message}` : ""}` };
    return undefined;
  }
}
