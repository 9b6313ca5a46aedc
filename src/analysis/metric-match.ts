// Which metrics a `dryRun[].metricName` or `measurementRetention[].metricName` rule names: `*` is
// every metric; otherwise the rule as a regular expression matched anywhere in the name, as the
// peer's Go regexp.MatchString does ("rate" also names "error-rate"; anchor with ^...$ for one
// metric), or the exact name when the rule is not a valid expression.
import { AnalysisDefaults, type AnalysisRunSpec } from "../api/analysis.ts";

/** A predicate for one rule. An invalid regular expression still matches its exact name. */
export function metricNameMatcher(pattern: string): (name: string) => boolean {
  if (pattern === "*") return () => true;
  let regex: RegExp | undefined;
  try {
    // Go's leading flag group ((?i) and friends) becomes the JavaScript flags.
    const flags = /^\(\?([ims]+)\)/.exec(pattern);
    regex = flags ? new RegExp(pattern.slice(flags[0].length), flags[1]) : new RegExp(pattern);
  } catch {
    regex = undefined;
  }
  return (name) => name === pattern || (regex?.test(name) ?? false);
}

/** Whether any of the `dryRun` rules names `metric`. */
export function dryRunMatcher(rules: { metricName: string }[] = []): (metric: string) => boolean {
  const matchers = rules.map((r) => metricNameMatcher(r.metricName));
  return (metric) => matchers.some((m) => m(metric));
}

/**
 * How many measurements `metric` keeps. When several rules name it the last one wins, as in the
 * peer, so a specific rule after `*` overrides it; a limit below 1 is ignored (the peer's too).
 */
export function retentionLimit(
  rules: { metricName: string; limit: number }[] = [],
): (metric: string) => number {
  const matchers = rules.map((r) => ({ matches: metricNameMatcher(r.metricName), limit: r.limit }));
  return (metric) =>
    matchers.findLast((r) => r.limit >= 1 && r.matches(metric))?.limit ??
    AnalysisDefaults.measurementRetention;
}

/**
 * The first `dryRun` / `measurementRetention` rule that names none of the run's metrics, as an
 * error message (undefined when every rule names one). Such a rule is almost always a typo, and
 * a typo in `dryRun` would leave the metric it meant gating the rollout; the peer makes the run
 * Error for it too.
 */
export function unmatchedRule(
  spec: Pick<AnalysisRunSpec, "dryRun" | "measurementRetention">,
  metricNames: string[],
): string | undefined {
  for (const field of ["dryRun", "measurementRetention"] as const) {
    const rules = spec[field] ?? [];
    for (const [i, rule] of rules.entries()) {
      const matches = metricNameMatcher(rule.metricName);
      if (!metricNames.some(matches)) {
        return `spec.${field}[${i}].metricName "${rule.metricName}" names none of the run's metrics (${metricNames.join(", ") || "none"})`;
      }
    }
  }
  return undefined;
}
