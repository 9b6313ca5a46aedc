// One metric's turn in a reconcile: resume a measurement in flight, or take one when it is due,
// through whichever provider the registry has for the metric's provider key; record it, judge
// the metric, and say when to look again. Also ends what is still measuring when a run ends.
import type { AnalysisRun, Measurement, Metric, MetricResult } from "../api/analysis.ts";
import type { Registry } from "../controller/registry.ts";
import type { KubeClient } from "../kube/client.ts";
import type { AddressPolicy } from "../metricproviders/address-policy.ts";
import {
  MeasurementError,
  type MetricProvider,
  type Outcome,
  type ProviderContext,
} from "../metricproviders/provider.ts";
import { ArgumentError, type ResolvedArguments, redact, resolveMetric } from "./args.ts";
import { isCompleted, metricPhase, nextDue, record } from "./assess.ts";
import { judge } from "./condition.ts";

/** How often a measurement in flight (a Job) is looked at again. */
export const RESUME_POLL_MS = 1000;

/** What the peer writes on a metric, and its measurement in flight, cut short by the run's end. */
export const METRIC_TERMINATED = "Metric Terminated";

/**
 * A measurement's value as status keeps it. The conditions saw all of it; status keeps at most
 * MAX_STORED_VALUE characters, so a large result (a long range query, a wide vector) times the
 * retained measurements cannot push the AnalysisRun past the API server's object size limit.
 */
export const MAX_STORED_VALUE = 2048;

export function storedValue(value: unknown): string {
  // NaN and ±Inf are not JSON: written as strings ("NaN", "Infinity").
  const text =
    JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) ??
    "null";
  if (text.length <= MAX_STORED_VALUE) return text;
  return `${text.slice(0, MAX_STORED_VALUE)}... (${text.length} characters, truncated)`;
}

/** What measuring one run's metrics needs, fixed for one reconcile. */
export interface Measuring {
  run: AnalysisRun;
  startedAt: string;
  /** Plain values only, unless some metric is due (then Secrets are read too). */
  args: ResolvedArguments;
  retention: (metric: string) => number;
  now: () => number;
  providers: Registry<MetricProvider>;
  client: KubeClient;
  policy: AddressPolicy;
  fieldManager: string;
  /** Counts a finished measurement (sluice_analysis_measurements_total). */
  counted: (provider: string, phase: string) => void;
}

export const providerName = (metric: Metric): string => Object.keys(metric.provider ?? {})[0] ?? "none";

/** Whether `metric` takes a new measurement now (its args need not be resolved for this). */
export function isDue(
  m: Pick<Measuring, "run" | "startedAt" | "now">,
  metric: Metric,
  result?: MetricResult,
) {
  if (m.run.spec?.terminate) return false;
  const due = nextDue(metric, result, Date.parse(m.startedAt));
  return due !== undefined && due <= m.now();
}

function providerOf(m: Measuring, metric: Metric): MetricProvider {
  const kinds = Object.keys(metric.provider ?? {});
  if (kinds.length !== 1)
    throw new MeasurementError(`metric ${metric.name}: provider needs exactly one kind, got ${kinds.length}`);
  const provider = m.providers.get(kinds[0] ?? "");
  if (!provider)
    throw new MeasurementError(`metric ${metric.name}: provider ${kinds[0]} is not supported yet`);
  return provider;
}

function contextFor(m: Measuring, metric: Metric, result: MetricResult): ProviderContext {
  const measurement = (result.count ?? 0) + (result.error ?? 0) + 1;
  return {
    run: m.run,
    metric,
    measurement,
    client: m.client,
    policy: m.policy,
    fieldManager: m.fieldManager,
  };
}

/** A provider's outcome as a measurement (Running while in flight). */
function asMeasurement(metric: Metric, outcome: Outcome, startedAt: string, finishedAt: string): Measurement {
  if (outcome.kind === "running") return { phase: "Running", startedAt, metadata: outcome.metadata };
  if (outcome.kind === "verdict") {
    return {
      phase: outcome.phase,
      ...(outcome.message ? { message: outcome.message } : {}),
      startedAt,
      finishedAt,
    };
  }
  const verdict = judge(outcome.value, metric.successCondition, metric.failureCondition);
  return {
    phase: verdict.phase,
    ...(verdict.message ? { message: verdict.message } : {}),
    startedAt,
    finishedAt,
    value: storedValue(outcome.value),
    ...(outcome.metadata ? { metadata: outcome.metadata } : {}),
  };
}

/** Starts a measurement, or resumes the one in flight; provider failures become Error. */
async function takeMeasurement(m: Measuring, metric: Metric, result: MetricResult): Promise<Measurement> {
  const inFlight = result.measurements?.at(-1);
  const resuming = inFlight?.phase === "Running" ? inFlight : undefined;
  const startedAt = resuming?.startedAt ?? new Date(m.now()).toISOString();
  try {
    const provider = providerOf(m, metric);
    const context = contextFor(m, metric, result);
    const outcome = resuming
      ? await (provider.resume?.(context, resuming.metadata ?? {}) ?? Promise.resolve(resumeless(metric)))
      : await provider.start(context);
    const taken = asMeasurement(metric, outcome, startedAt, new Date(m.now()).toISOString());
    // A resumed measurement keeps what its start recorded (e.g. the Job's name).
    return resuming && taken.phase !== "Running"
      ? { ...taken, metadata: { ...resuming.metadata, ...taken.metadata } }
      : taken;
  } catch (error) {
    if (!(error instanceof MeasurementError)) throw error;
    const finishedAt = new Date(m.now()).toISOString();
    return { ...resuming, phase: "Error", message: error.message, startedAt, finishedAt };
  }
}

function resumeless(metric: Metric): never {
  throw new MeasurementError(`metric ${metric.name}: its provider cannot resume a measurement in flight`);
}

/** Nothing written may contain a secret argument's value. */
export function redactMeasurement(measurement: Measurement, secrets: string[]): Measurement {
  if (secrets.length === 0) return measurement;
  const out: Measurement = { ...measurement };
  if (measurement.message !== undefined) out.message = redact(measurement.message, secrets);
  if (measurement.value !== undefined) out.value = redact(measurement.value, secrets);
  if (measurement.metadata) {
    out.metadata = Object.fromEntries(
      Object.entries(measurement.metadata).map(([k, v]) => [k, redact(v, secrets)]),
    );
  }
  return out;
}

/**
 * One metric's turn: resume a measurement in flight, or take one when due (never once the run is
 * terminated), then judge the metric. Returns its result and when to look again.
 */
export async function stepMetric(
  m: Measuring,
  raw: Metric,
  previous: MetricResult | undefined,
): Promise<{ result: MetricResult; wakeUps: number[] }> {
  let result: MetricResult = previous ?? { name: raw.name, phase: "Pending" };
  let metric: Metric;
  try {
    metric = resolveMetric(raw, m.args);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return { result: { ...result, phase: "Error", message: error.message }, wakeUps: [] };
  }
  const inFlight = result.measurements?.at(-1)?.phase === "Running";
  if (!inFlight && !isDue(m, metric, result)) return { result, wakeUps: wakeUpOf(m, metric, result) };
  const taken = redactMeasurement(await takeMeasurement(m, metric, result), m.args.secrets);
  const earlier = inFlight ? (result.measurements ?? []).slice(0, -1) : (result.measurements ?? []);
  if (taken.phase === "Running") {
    result = { ...result, phase: "Running", measurements: [...earlier, taken] };
    return { result, wakeUps: [RESUME_POLL_MS] };
  }
  m.counted(providerName(metric), taken.phase);
  result = record({ ...result, measurements: earlier }, taken, m.retention(metric.name));
  const verdict = metricPhase(metric, result);
  result = { ...result, phase: verdict.phase };
  if (verdict.message) result.message = verdict.message;
  else delete result.message;
  return { result, wakeUps: wakeUpOf(m, metric, result) };
}

function wakeUpOf(m: Measuring, metric: Metric, result: MetricResult): number[] {
  const after = nextDue(metric, result, Date.parse(m.startedAt));
  return after === undefined ? [] : [after - m.now()];
}

/**
 * Metrics still measuring when their run ends (terminated, or decided early by another metric)
 * end Successful with the peer's message; a measurement in flight is stopped by its provider
 * (a Job is deleted).
 */
export async function endUnfinished(m: Measuring, metrics: Metric[], results: MetricResult[]): Promise<void> {
  for (const [i, result] of results.entries()) {
    if (isCompleted(result.phase)) continue;
    const measurements = [...(result.measurements ?? [])];
    const last = measurements.at(-1);
    const raw = metrics.find((metric) => metric.name === result.name);
    if (last?.phase === "Running") {
      if (raw) await stopInFlight(m, raw, result, last);
      const finishedAt = new Date(m.now()).toISOString();
      measurements[measurements.length - 1] = {
        ...last,
        phase: "Successful",
        message: METRIC_TERMINATED,
        finishedAt,
      };
    }
    results[i] = { ...result, phase: "Successful", message: METRIC_TERMINATED, measurements };
  }
}

async function stopInFlight(
  m: Measuring,
  raw: Metric,
  result: MetricResult,
  last: Measurement,
): Promise<void> {
  let metric: Metric;
  try {
    metric = resolveMetric(raw, m.args);
  } catch (error) {
    if (error instanceof ArgumentError) return;
    throw error;
  }
  const provider = m.providers.get(providerName(metric));
  await provider?.terminate?.(contextFor(m, metric, result), last.metadata ?? {});
}
