// The pure core of an AnalysisRun: when a metric measures next, how a measurement updates its
// counters, what phase its counters mean (failureLimit, inconclusiveLimit,
// consecutiveErrorLimit, consecutiveSuccessLimit, count), and the run's phase as the worst of its
// metrics. Time is an input.

import {
  AnalysisDefaults,
  type AnalysisPhase,
  type Measurement,
  type Metric,
  type MetricResult,
} from "../api/analysis.ts";
import { parseDuration } from "../api/duration.ts";

const asInt = (v: number | string | undefined, fallback: number): number =>
  v === undefined ? fallback : typeof v === "number" ? v : Number.parseInt(v, 10);

/** How many measurements a metric takes: count; 1 without count and interval; unbounded with only an interval. */
export function effectiveCount(metric: Metric): number {
  const count = asInt(metric.count, 0);
  if (count > 0) return count;
  return metric.interval ? Number.POSITIVE_INFINITY : 1;
}

const COMPLETED: AnalysisPhase[] = ["Successful", "Failed", "Error", "Inconclusive"];
export const isCompleted = (phase: AnalysisPhase | undefined): boolean =>
  phase !== undefined && COMPLETED.includes(phase);

/** When `metric` should be measured next (ms since epoch), or undefined when it is done. */
export function nextDue(
  metric: Metric,
  result: MetricResult | undefined,
  runStartedAt: number,
): number | undefined {
  if (result && isCompleted(result.phase)) return undefined;
  const measurements = result?.measurements ?? [];
  const last = measurements.at(-1);
  if (!last) return runStartedAt + (metric.initialDelay ? parseDuration(metric.initialDelay) : 0);
  // An asynchronous measurement (a Job) is still running: it is polled, not due.
  if (last.phase === "Running") return undefined;
  if ((result?.count ?? 0) >= effectiveCount(metric)) return undefined;
  const finished = Date.parse(last.finishedAt ?? last.startedAt ?? "");
  // After an Error the peer retries in 10 s, whatever the interval.
  if (last.phase === "Error") return finished + AnalysisDefaults.errorRetryMs;
  return finished + (metric.interval ? parseDuration(metric.interval) : 0);
}

/**
 * Adds a measurement and updates the counters. An Error does not count toward `count` and leaves
 * the success streak alone (only Failed and Inconclusive break it; the peer also resets it on Error).
 */
export function record(result: MetricResult, measurement: Measurement, retention: number): MetricResult {
  const next: MetricResult = {
    ...result,
    measurements: [...(result.measurements ?? []), measurement].slice(-retention),
  };
  const bump = (key: "successful" | "failed" | "inconclusive" | "error") => {
    next[key] = (next[key] ?? 0) + 1;
  };
  if (measurement.phase === "Error") {
    bump("error");
    next.consecutiveError = (next.consecutiveError ?? 0) + 1;
    // An unreadable measurement breaks a success streak too (as the peer counts it).
    next.consecutiveSuccess = 0;
  } else {
    next.count = (next.count ?? 0) + 1;
    next.consecutiveError = 0;
    if (measurement.phase === "Successful") {
      bump("successful");
      next.consecutiveSuccess = (next.consecutiveSuccess ?? 0) + 1;
    } else if (measurement.phase === "Failed") {
      bump("failed");
      next.consecutiveSuccess = 0;
    } else if (measurement.phase === "Inconclusive") {
      bump("inconclusive");
      next.consecutiveSuccess = 0;
    }
  }
  return next;
}

/**
 * A metric's phase from its counters and limits. The limits that fail a metric are checked first;
 * then a met consecutiveSuccessLimit completes it early (an indefinite metric too); a reached
 * count with the streak never met is Inconclusive, or Failed when failureLimit is disabled (< 0)
 * since then nothing else could fail it.
 */
export function metricPhase(
  metric: Metric,
  result: MetricResult,
): { phase: AnalysisPhase; message?: string } {
  const breached = breachedLimit(metric, result);
  if (breached) return breached;
  const failureLimit = asInt(metric.failureLimit, AnalysisDefaults.failureLimit);
  const successLimit = asInt(metric.consecutiveSuccessLimit, 0);
  if (successLimit > 0 && (result.consecutiveSuccess ?? 0) >= successLimit) return { phase: "Successful" };
  const count = result.count ?? 0;
  if (count >= effectiveCount(metric)) {
    if (successLimit <= 0) return { phase: "Successful" };
    return {
      phase: failureLimit >= 0 ? "Inconclusive" : "Failed",
      message: `${count} measurement(s) without ${successLimit} consecutive successes (consecutiveSuccessLimit ${successLimit})`,
    };
  }
  return { phase: (result.measurements?.length ?? 0) > 0 ? "Running" : "Pending" };
}

/** The first limit the counters are past (failure, inconclusive, consecutive errors), as a phase. */
function breachedLimit(
  metric: Metric,
  result: MetricResult,
): { phase: AnalysisPhase; message: string } | undefined {
  const failureLimit = asInt(metric.failureLimit, AnalysisDefaults.failureLimit);
  const inconclusiveLimit = asInt(metric.inconclusiveLimit, AnalysisDefaults.inconclusiveLimit);
  const errorLimit = asInt(metric.consecutiveErrorLimit, AnalysisDefaults.consecutiveErrorLimit);
  const failed = result.failed ?? 0;
  const inconclusive = result.inconclusive ?? 0;
  if (failureLimit >= 0 && failed > failureLimit) {
    return { phase: "Failed", message: `failed (${failed}) > failureLimit (${failureLimit})` };
  }
  if (inconclusive > inconclusiveLimit) {
    return {
      phase: "Inconclusive",
      message: `inconclusive (${inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    };
  }
  if ((result.consecutiveError ?? 0) > errorLimit) {
    return {
      phase: "Error",
      message: `consecutiveErrors (${result.consecutiveError}) > consecutiveErrorLimit (${errorLimit})`,
    };
  }
  return undefined;
}

// Worst first: a run is Failed if any metric failed, and so on.
const SEVERITY: AnalysisPhase[] = ["Failed", "Error", "Inconclusive", "Pending", "Running", "Successful"];

/**
 * The run's phase: Running while any metric is not completed (unless one already failed, errored
 * or was inconclusive: the run stops early), else the worst completed phase. Dry-run metrics are
 * measured but never decide; like the peer, the run still waits for them to complete, so their
 * outcome is in `dryRunSummary`.
 */
export function runPhase(
  results: { phase: AnalysisPhase; dryRun?: boolean }[],
  terminate = false,
): AnalysisPhase {
  const deciding = results.filter((r) => !r.dryRun);
  const decisive = deciding.find(
    (r) => r.phase === "Failed" || r.phase === "Error" || r.phase === "Inconclusive",
  );
  if (decisive) return SEVERITY.find((p) => deciding.some((r) => r.phase === p)) ?? decisive.phase;
  if (results.some((r) => !isCompleted(r.phase))) return terminate ? "Successful" : "Running";
  return "Successful";
}
