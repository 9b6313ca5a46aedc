// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun: Argo Rollouts' field names
// (../shared/reference/argo-rollouts.md §2), in sluice.dev/v1alpha1.
import type { IntOrString, TypedObject } from "./common.ts";

export interface Metric {
  name: string;
  interval?: string;
  initialDelay?: string;
  count?: IntOrString;
  successCondition?: string;
  failureCondition?: string;
  failureLimit?: IntOrString;
  inconclusiveLimit?: IntOrString;
  consecutiveErrorLimit?: IntOrString;
  /** N consecutive Successful measurements complete the metric early; 0 (the default) is off. */
  consecutiveSuccessLimit?: IntOrString;
  provider?: {
    prometheus?: Record<string, unknown>;
    web?: Record<string, unknown>;
    job?: Record<string, unknown>;
  } & Record<string, unknown>;
}

export interface Argument {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export interface AnalysisTemplateSpec {
  metrics?: Metric[];
  args?: Argument[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
}

export type AnalysisPhase = "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive";

export interface Measurement {
  phase: AnalysisPhase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  value?: string;
  metadata?: Record<string, string>;
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  message?: string;
  measurements?: Measurement[];
  count?: number;
  successful?: number;
  failed?: number;
  inconclusive?: number;
  error?: number;
  consecutiveError?: number;
  consecutiveSuccess?: number;
  /** A dry-run metric is measured but never decides the run. */
  dryRun?: boolean;
  metadata?: Record<string, string>;
}

/** How long a completed run is kept before the controller deletes it (seconds after completedAt). */
export interface TTLStrategy {
  secondsAfterCompletion?: number;
  /** For Successful runs; falls back to secondsAfterCompletion. */
  secondsAfterSuccess?: number;
  /** For Failed, Error and Inconclusive runs; falls back to secondsAfterCompletion. */
  secondsAfterFailure?: number;
}

export interface AnalysisRunSpec extends AnalysisTemplateSpec {
  terminate?: boolean;
  ttlStrategy?: TTLStrategy;
}

/** Metrics by phase: `count` metrics, of which so many completed in each phase. */
export interface RunSummary {
  count?: number;
  successful?: number;
  failed?: number;
  inconclusive?: number;
  error?: number;
}

export interface AnalysisRunStatus {
  phase?: AnalysisPhase;
  message?: string;
  startedAt?: string;
  completedAt?: string;
  metricResults?: MetricResult[];
  /** The metrics that decide the run (dry-run metrics are not in it). */
  runSummary?: RunSummary;
  /** The dry-run metrics. */
  dryRunSummary?: RunSummary;
}

export type AnalysisTemplate = TypedObject<AnalysisTemplateSpec, never>;
export type AnalysisRun = TypedObject<AnalysisRunSpec, AnalysisRunStatus>;

export const AnalysisDefaults = {
  consecutiveErrorLimit: 4,
  failureLimit: 0,
  inconclusiveLimit: 0,
  measurementRetention: 10,
  errorRetryMs: 10_000,
} as const;
