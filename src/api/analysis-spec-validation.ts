// What makes an analysis spec unable to judge anything, found before the first measurement: a
// dryRun / measurementRetention rule that names none of its metrics, a metric provider or a
// condition sluice cannot measure. The AnalysisRun controller ends such a run Error at once
// ("Analysis spec invalid: ..."), and `kubectl sluice lint` applies it to AnalysisTemplates,
// ClusterAnalysisTemplates and AnalysisRuns in files.
import { unmatchedRule } from "../analysis/metric-match.ts";
import { metricSupportProblem } from "../analysis/support.ts";
import type { Registry } from "../controller/registry.ts";
import type { MetricProvider } from "../metricproviders/provider.ts";
import { metricProviders } from "../metricproviders/registry.ts";
import type { AnalysisTemplateSpec } from "./analysis.ts";

/** Every problem, in the order the controller reports them (it names the first). */
export function analysisSpecProblems(
  spec: AnalysisTemplateSpec,
  providers: Registry<MetricProvider> = metricProviders,
): string[] {
  const metrics = spec.metrics ?? [];
  const rule = unmatchedRule(
    spec,
    metrics.map((m) => m.name),
  );
  const unsupported = metrics.map((m) => metricSupportProblem(m, providers));
  return [rule, ...unsupported].filter((p): p is string => p !== undefined);
}
