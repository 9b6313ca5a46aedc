// AnalysisRuns as the analysis controller leaves them at telling moments, for the analysis
// renderers' golden tests: a Successful step run, a background run Failed past its failureLimit, a
// hand-made run still measuring after an Inconclusive, and a run ended Error by an unreachable
// Prometheus. Times are relative to NOW (the rollout fixtures' NOW) so ages are stable.
import type { AnalysisRun, Measurement, MetricResult } from "../../../src/api/analysis.ts";
import { NOW } from "./fixtures.ts";

/** RFC 3339 without milliseconds, as the API server writes times. */
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace(".000Z", "Z");

interface RunShape {
  name: string;
  ageSeconds: number;
  rollout?: { name: string; revision: number; type: string; stepIndex?: number };
  spec: NonNullable<AnalysisRun["spec"]>;
  status: NonNullable<AnalysisRun["status"]>;
}

function run(shape: RunShape): AnalysisRun {
  const { rollout } = shape;
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: shape.name,
      namespace: "shop",
      uid: `uid-${shape.name}`,
      creationTimestamp: ago(shape.ageSeconds),
      ...(rollout
        ? {
            labels: {
              "rollout-type": rollout.type,
              ...(rollout.stepIndex !== undefined ? { "step-index": String(rollout.stepIndex) } : {}),
            },
            annotations: { "rollout.argoproj.io/revision": String(rollout.revision) },
            ownerReferences: [
              { apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: rollout.name, uid: "uid-rollout" },
            ],
          }
        : {}),
    },
    spec: shape.spec,
    status: shape.status,
  };
}

/** A measurement that started `startedAgo` seconds before NOW and took one second (none if Running). */
function m(phase: Measurement["phase"], startedAgo: number, value?: string, message?: string): Measurement {
  return {
    phase,
    startedAt: ago(startedAgo),
    ...(phase === "Running" ? {} : { finishedAt: ago(startedAgo - 1) }),
    ...(value !== undefined ? { value } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

const PROMETHEUS = { prometheus: { address: "http://prometheus.monitoring:9090", query: "up" } };

/** Step analysis of revision 2: success-rate kept its last 3 of 5 measurements; latency measured once. */
export function successfulRun(): AnalysisRun {
  const successRate: MetricResult = {
    name: "success-rate",
    phase: "Successful",
    count: 5,
    successful: 5,
    consecutiveSuccess: 5,
    measurements: [
      m("Successful", 100, "[0.991]"),
      m("Successful", 70, "[0.987]"),
      m("Successful", 40, "[0.994]"),
    ],
  };
  const latency: MetricResult = {
    name: "latency",
    phase: "Successful",
    count: 1,
    successful: 1,
    measurements: [m("Successful", 160, "0.182")],
  };
  return run({
    name: "checkout-7c4b8d9f6-2-3",
    ageSeconds: 170,
    rollout: { name: "checkout", revision: 2, type: "Step", stepIndex: 3 },
    spec: {
      metrics: [
        { name: "success-rate", interval: "30s", count: 5, provider: PROMETHEUS },
        { name: "latency", provider: { web: { url: "http://checkout-canary/metrics/latency" } } },
      ],
      measurementRetention: [{ metricName: "success-rate", limit: 3 }],
    },
    status: {
      phase: "Successful",
      startedAt: ago(160),
      completedAt: ago(39),
      metricResults: [successRate, latency],
      runSummary: { count: 2, successful: 2 },
    },
  });
}

/** Background analysis failed on its third measurement; the other metric was ended by the verdict. */
export function failedRun(): AnalysisRun {
  return run({
    name: "payments-5f7d8c9b4-3",
    ageSeconds: 400,
    rollout: { name: "payments", revision: 3, type: "Background" },
    spec: {
      metrics: [
        { name: "error-rate", interval: "1m", failureLimit: 1, provider: PROMETHEUS },
        { name: "smoke", provider: { job: { spec: { template: {} } } } },
      ],
    },
    status: {
      phase: "Failed",
      message: 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
      startedAt: ago(390),
      completedAt: ago(209),
      metricResults: [
        {
          name: "error-rate",
          phase: "Failed",
          message: "failed (2) > failureLimit (1)",
          count: 3,
          successful: 1,
          failed: 2,
          measurements: [
            m("Successful", 330, "[0.004]"),
            m("Failed", 270, "[0.081]"),
            m("Failed", 210, "[0.093]"),
          ],
        },
        {
          name: "smoke",
          phase: "Successful",
          message: "Metric Terminated",
          count: 0,
          measurements: [
            {
              ...m("Successful", 380),
              finishedAt: ago(209),
              message: "Metric Terminated",
              metadata: { "job-name": "payments-5f7d8c9b4-3-smoke-1" },
            },
          ],
        },
      ],
      runSummary: { count: 2, successful: 1, failed: 1 },
    },
  });
}

/** A run made by hand, still measuring: one Inconclusive so far (limit 2), one metric not begun. */
export function runningRun(): AnalysisRun {
  return run({
    name: "smoke-test",
    ageSeconds: 135,
    spec: {
      metrics: [
        {
          name: "ratio",
          interval: "1m",
          count: 5,
          inconclusiveLimit: 2,
          successCondition: "result[0] >= 0.95",
          failureCondition: "result[0] < 0.5",
          provider: PROMETHEUS,
        },
        { name: "canary-job", initialDelay: "5m", provider: { job: { spec: { template: {} } } } },
      ],
      dryRun: [{ metricName: "^canary-" }],
    },
    status: {
      phase: "Running",
      startedAt: ago(130),
      metricResults: [
        {
          name: "ratio",
          phase: "Running",
          count: 2,
          successful: 1,
          inconclusive: 1,
          measurements: [m("Successful", 125, "[0.97]"), m("Inconclusive", 65, "[0.72]"), m("Running", 5)],
        },
      ],
    },
  });
}

const REFUSED =
  'Post "http://prometheus.monitoring:9090/api/v1/query": dial tcp 10.96.0.12:9090: connect: connection refused';

/** Prometheus unreachable: five Errors in a row, past consecutiveErrorLimit 4; a long vector value too. */
export function errorRun(): AnalysisRun {
  return run({
    name: "inventory-58d7f6c9b-4-1",
    ageSeconds: 95,
    rollout: { name: "inventory", revision: 4, type: "Step", stepIndex: 1 },
    spec: { metrics: [{ name: "ratio", interval: "10s", provider: PROMETHEUS }] },
    status: {
      phase: "Error",
      message: `Metric "ratio" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: ${REFUSED}"`,
      startedAt: ago(92),
      completedAt: ago(41),
      metricResults: [
        {
          name: "ratio",
          phase: "Error",
          message: "consecutiveErrors (5) > consecutiveErrorLimit (4)",
          count: 1,
          successful: 1,
          error: 5,
          consecutiveError: 5,
          measurements: [
            m("Successful", 92, "[0.9912, 0.9874, 0.9931, 0.9902, 0.9955, 0.9899, 0.9921]"),
            ...[82, 72, 62, 52, 42].map((s) => m("Error", s, undefined, REFUSED)),
          ],
        },
      ],
      runSummary: { count: 1, error: 1 },
    },
  });
}
