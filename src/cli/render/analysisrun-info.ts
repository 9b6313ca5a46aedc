// What the analysis commands read off an AnalysisRun: the Rollout that made it, each metric's
// provider, and how many metrics ended which way. Pure.

import { dryRunMatcher } from "../../analysis/metric-match.ts";
import type { AnalysisPhase, AnalysisRun, Metric, MetricResult, RunSummary } from "../../api/analysis.ts";
import { REVISION_ANNOTATION } from "../../rollout/world.ts";

/** The Rollout that owns the run (its controller owner reference); undefined for a run made by hand. */
export function rolloutOf(run: AnalysisRun): string | undefined {
  return run.metadata?.ownerReferences?.find((o) => o.kind === "Rollout")?.name;
}

/** "web (revision 3, Step analysis, step 2)": where a Rollout's run comes from, from its labels. */
export function originOf(run: AnalysisRun): string | undefined {
  const rollout = rolloutOf(run);
  if (!rollout) return undefined;
  const labels = run.metadata?.labels ?? {};
  const revision = run.metadata?.annotations?.[REVISION_ANNOTATION];
  const type = labels["rollout-type"];
  const step = labels["step-index"];
  const details = [
    ...(revision ? [`revision ${revision}`] : []),
    ...(type ? [`${type} analysis`] : []),
    ...(type === "Step" && step !== undefined ? [`step ${step}`] : []),
  ];
  return details.length > 0 ? `${rollout} (${details.join(", ")})` : rollout;
}

/** The provider a metric measures with ("prometheus", "web", "job"), "-" without one. */
export function providerOf(metric: Metric | undefined): string {
  return Object.keys(metric?.provider ?? {})[0] ?? "-";
}

export const isCompletedPhase = (phase: AnalysisPhase | undefined): boolean =>
  phase === "Successful" || phase === "Failed" || phase === "Error" || phase === "Inconclusive";

export interface MetricLine {
  name: string;
  metric: Metric | undefined;
  result: MetricResult | undefined;
  phase: AnalysisPhase;
}

/** Every metric of the spec in order, with its result once the controller has one (and results without a spec). */
export function metricLines(run: AnalysisRun): MetricLine[] {
  const results = run.status?.metricResults ?? [];
  const specs = run.spec?.metrics ?? [];
  const lines: MetricLine[] = specs.map((metric) => {
    const result = results.find((r) => r.name === metric.name);
    return { name: metric.name, metric, result, phase: result?.phase ?? "Pending" };
  });
  for (const result of results) {
    if (!specs.some((m) => m.name === result.name))
      lines.push({ name: result.name, metric: undefined, result, phase: result.phase });
  }
  return lines;
}

/** A dry-run metric is measured but does not decide the run: as the controller flagged it, else by the spec's rules. */
export function isDryRun(run: AnalysisRun, line: MetricLine): boolean {
  if (line.result?.dryRun !== undefined) return line.result.dryRun;
  return dryRunMatcher(run.spec?.dryRun)(line.name);
}

/**
 * The deciding metrics by phase: the controller's runSummary, else counted from the spec and the
 * results (a run not reconciled yet has neither summary nor results).
 */
export function summaryOf(run: AnalysisRun): Required<RunSummary> {
  const summary = run.status?.runSummary;
  if (summary)
    return {
      count: summary.count ?? 0,
      successful: summary.successful ?? 0,
      failed: summary.failed ?? 0,
      inconclusive: summary.inconclusive ?? 0,
      error: summary.error ?? 0,
    };
  const deciding = metricLines(run).filter((line) => !isDryRun(run, line));
  const count = (phase: AnalysisPhase) => deciding.filter((line) => line.phase === phase).length;
  return {
    count: deciding.length,
    successful: count("Successful"),
    failed: count("Failed"),
    inconclusive: count("Inconclusive"),
    error: count("Error"),
  };
}

/** "2/3 successful", then the metrics that ended otherwise: "1/3 successful, 1 failed". */
export function summaryText(run: AnalysisRun): string {
  const s = summaryOf(run);
  const others = (
    [
      [s.failed, "failed"],
      [s.inconclusive, "inconclusive"],
      [s.error, "error"],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`);
  return [`${s.successful}/${s.count} successful`, ...others].join(", ");
}
