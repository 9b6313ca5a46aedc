// The analysis side's Prometheus metrics, registered on the process's registry (the kernel's
// telemetry knows nothing about analysis). Every name starts with sluice_ (DESIGN.md §8).
import { Counter, Gauge, type Registry } from "prom-client";

interface RunSeries {
  run: { namespace: string; name: string; phase: string };
  perMetric: { namespace: string; name: string; metric: string; phase: string }[];
}

export class AnalysisMetrics {
  private readonly runInfo: Gauge<"namespace" | "name" | "phase">;
  private readonly metricPhase: Gauge<"namespace" | "name" | "metric" | "phase">;
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
    this.measurements = new Counter({
      name: "sluice_analysis_measurements_total",
      help: "Measurements taken, by provider and result phase",
      labelNames: ["provider", "phase"],
      registers,
    });
  }

  /** Replaces the series of one AnalysisRun (phase and per-metric phases). */
  analysisRun(
    namespace: string,
    name: string,
    phase: string,
    metrics: { metric: string; phase: string }[],
  ): void {
    this.forgetAnalysisRun(namespace, name);
    const run = { namespace, name, phase };
    const perMetric = metrics.map((m) => ({ namespace, name, metric: m.metric, phase: m.phase }));
    this.runInfo.set(run, 1);
    for (const labels of perMetric) this.metricPhase.set(labels, 1);
    this.series.set(`${namespace}/${name}`, { run, perMetric });
  }

  /** Drops a run's series (it was deleted, or its phase changed). */
  forgetAnalysisRun(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const series = this.series.get(key);
    if (!series) return;
    this.runInfo.remove(series.run);
    for (const labels of series.perMetric) this.metricPhase.remove(labels);
    this.series.delete(key);
  }

  measurement(provider: string, phase: string): void {
    this.measurements.inc({ provider, phase });
  }
}
