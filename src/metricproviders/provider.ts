// The one small interface every metric provider implements (one folder per provider,
// DESIGN.md §3), found by its name (the key under a metric's `provider`) in the registry
// (registry.ts). A provider gets the metric with {{args}} already resolved and either returns a
// value the conditions judge as `result`, decides the measurement itself (a Job's outcome), or
// leaves it in flight to be resumed on a later reconcile. A provider failure is thrown as a
// MeasurementError (the measurement becomes Error, which counts toward consecutiveErrorLimit).
import type { Value } from "../analysis/expression.ts";
import type { AnalysisRun, Metric } from "../api/analysis.ts";
import type { KubeClient } from "../kube/client.ts";
import type { AddressPolicy } from "./address-policy.ts";

export interface Measured {
  value: Value;
  /** Shown in the measurement's metadata (e.g. the resolved query). Never secrets. */
  metadata?: Record<string, string>;
}

export class MeasurementError extends Error {
  override name = "MeasurementError";
}

/** What a provider needs for one measurement. */
export interface ProviderContext {
  run: AnalysisRun;
  /** The metric, its {{args}} resolved. */
  metric: Metric;
  /** Which measurement of this metric this is (1 for the first; errors count). */
  measurement: number;
  client: KubeClient;
  /** Where the provider may send requests. */
  policy: AddressPolicy;
  /** The field manager of anything the provider creates. */
  fieldManager: string;
}

export type Outcome =
  /** A value for the metric's conditions to judge. */
  | ({ kind: "value" } & Measured)
  /** The provider decided (e.g. a Job completed or failed). */
  | { kind: "verdict"; phase: "Successful" | "Failed"; message?: string }
  /** In flight; `metadata` is kept on the measurement and given back to resume/terminate. */
  | { kind: "running"; metadata: Record<string, string> };

export interface MetricProvider {
  /** The key under `metric.provider` this provider serves ("prometheus", "web", "job"). */
  readonly name: string;
  /** Takes a measurement. */
  start(context: ProviderContext): Promise<Outcome>;
  /** Looks again at a measurement in flight (asynchronous providers only). */
  resume?(context: ProviderContext, metadata: Record<string, string>): Promise<Outcome>;
  /** Stops a measurement in flight because its run ended. */
  terminate?(context: ProviderContext, metadata: Record<string, string>): Promise<void>;
}

/** The config under the metric's provider key, e.g. `provider.prometheus`. */
export function providerConfig<T>(context: ProviderContext, name: string): T {
  return (context.metric.provider as Record<string, unknown> | undefined)?.[name] as T;
}
