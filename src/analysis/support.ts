// What of the peer's analysis language sluice does not implement yet (metric providers,
// operators and functions in conditions), found before anything is measured: a Rollout is told
// up front (InvalidSpec), a bare AnalysisRun ends Error at once, never half-way through.
import type { Metric } from "../api/analysis.ts";
import type { Registry } from "../controller/registry.ts";
import type { MetricProvider } from "../metricproviders/provider.ts";
import { metricProviders } from "../metricproviders/registry.ts";
import { unsupportedIn } from "./expression.ts";

/** `{{args.x}}` placeholders are values; they do not change what an expression uses. */
const withoutPlaceholders = (expression: string) => expression.replace(/\{\{[^}]*\}\}/g, "0");

export function metricSupportProblem(
  metric: Metric,
  providers: Registry<MetricProvider> = metricProviders,
): string | undefined {
  const kinds = Object.keys(metric.provider ?? {});
  if (kinds.length !== 1)
    return `metric "${metric.name}": provider needs exactly one kind, got ${kinds.length}`;
  const kind = kinds[0] ?? "";
  if (!providers.has(kind)) return `metric "${metric.name}": provider ${kind} is not supported yet`;
  for (const field of ["successCondition", "failureCondition"] as const) {
    const expression = metric[field];
    const problem = expression ? unsupportedIn(withoutPlaceholders(expression)) : undefined;
    if (problem) return `metric "${metric.name}": ${field}: ${problem}`;
  }
  return undefined;
}
