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
  /** A dry-run metric is measured but never decides the run. */
  dryRun?: boolean;
  metadata?: Record<string, string>;
}

export interface AnalysisRunSpec extends AnalysisTemplateSpec {
  terminate?: boolean;
}

export interface AnalysisRunStatus {
  phase?: AnalysisPhase;
  message?: string;
  startedAt?: string;
  completedAt?: string;
  metricResults?: MetricResult[];
  runSummary?: {
    count?: number;
    successful?: number;
    failed?: number;
    inconclusive?: number;
    error?: number;
  };
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
