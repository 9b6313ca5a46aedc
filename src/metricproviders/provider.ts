// The one small interface every metric provider implements (one folder per provider,
// DESIGN.md §3). A provider takes a metric's provider config with {{args}} already resolved and
// returns the measured value the conditions see as `result`; a provider failure is thrown as a
// MeasurementError (the measurement becomes Error, which counts toward consecutiveErrorLimit).
import type { Value } from "../analysis/expression.ts";

export interface Measured {
  value: Value;
  /** Shown in the measurement's metadata (e.g. the resolved query). Never secrets. */
  metadata?: Record<string, string>;
}

export class MeasurementError extends Error {
  override name = "MeasurementError";
}

export interface MetricProvider {
  readonly type: string;
  measure(signal?: AbortSignal): Promise<Measured>;
}
