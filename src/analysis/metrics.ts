// The analysis side's Prometheus metrics, registered on the process's registry (the kernel's
// telemetry knows nothing about analysis). Every name starts with sluice_ (DESIGN.md §8).
import { Counter, Gauge, type Registry } from "prom-client";
import type { MetricResult } from "../api/analysis.ts";

interface RunSeries {
  run: { namespace: string; name: string; phase: string };
  perMetric: { namespace: string; name: string; metric: string; phase: string }[];
  values: { namespace: string; name: string; metric: string }[];
}

/** One metric's state as the gauges show it. */
export interface MetricSeries {
  metric: string;
  phase: string;
  /** The latest measurement's value when it is one number. */
  value?: number;
}

/**
 * The latest measurement's value when it is one number: a scalar ("0.98") or a one-element vector
 * ("[0.98]", a Prometheus instant query's usual shape). Anything else (several values, text, an
 * Error with no value) has no number to chart.
 */
export function latestValue(result: MetricResult): number | undefined {
  const stored = result.measurements?.at(-1)?.value;
  if (stored === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return undefined;
  }
  const single = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed;
  // NaN and ±Inf are stored as strings (storedValue); Prometheus takes them as sample values.
  if (single === "NaN" || single === "Infinity" || single === "-Infinity") return Number(single);
  return typeof single === "number" ? single : undefined;
}

/** The gauges' view of a run's metric results. */
export const seriesOf = (results: MetricResult[]): MetricSeries[] =>
  results.map((r) => {
    const value = latestValue(r);
    return { metric: r.name, phase: r.phase, ...(value !== undefined ? { value } : {}) };
  });

export class AnalysisMetrics {
  private readonly runInfo: Gauge<"namespace" | "name" | "phase">;
  private readonly metricPhase: Gauge<"namespace" | "name" | "metric" | "phase">;
  private readonly metricValue: Gauge<"namespace" | "name" | "metric">;
  private readonly measurements: Counter<"provider" | "phase">;
  private readonly series = new Map<string, RunSeries>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.runInfo = new Gauge({
      name: "sluice_analysis_run_info",
      help: "1 for each AnalysisRun, labelled with its phase",
      labelNames: ["namespace", "name", "phase"],
      registers,
    });
    this.metricPhase = new Gauge({
      name: "sluice_analysis_run_metric_phase",
      help: "1 for each metric of each AnalysisRun, labelled with the metric's phase",
      labelNames: ["namespace", "name", "metric", "phase"],
      registers,
    });
    this.metricValue = new Gauge({
      name: "sluice_analysis_run_metric_value",
      help: "The latest measured value of each metric of each AnalysisRun, when it is one number",
      labelNames: ["namespace", "name", "metric"],
      registers,
    });
    this.measurements = new Counter({
      name: "sluice_analysis_measurements_total",
      help: "Measurements taken, by provider and result phase",
      labelNames: ["provider", "phase"],
      registers,
    });
  }

  /** Replaces the series of one AnalysisRun (phase, per-metric phases and latest values). */
  analysisRun(namespace: string, name: string, phase: string, metrics: MetricSeries[]): void {
    this.forgetAnalysisRun(namespace, name);
    const run = { namespace, name, phase };
    const perMetric = metrics.map((m) => ({ namespace, name, metric: m.metric, phase: m.phase }));
    const values: RunSeries["values"] = [];
    this.runInfo.set(run, 1);
    for (const labels of perMetric) this.metricPhase.set(labels, 1);
    for (const m of metrics) {
      if (m.value === undefined) continue;
      const labels = { namespace, name, metric: m.metric };
      this.metricValue.set(labels, m.value);
      values.push(labels);
    }
    this.series.set(`${namespace}/${name}`, { run, perMetric, values });
  }

  /** Drops a run's series (it was deleted, or its phase changed). */
  forgetAnalysisRun(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const series = this.series.get(key);
    if (!series) return;
    this.runInfo.remove(series.run);
    for (const labels of series.perMetric) this.metricPhase.remove(labels);
    for (const labels of series.values) this.metricValue.remove(labels);
    this.series.delete(key);
  }

  measurement(provider: string, phase: string): void {
    this.measurements.inc({ provider, phase });
  }
}
