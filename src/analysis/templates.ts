// One AnalysisRun spec from the templates a Rollout names (the peer merges several templates into
// one run): metrics and dry-run/retention rules concatenated, arguments merged with the values the
// caller supplies winning — only for arguments a template declares (others are dropped, as the
// peer's MergeArgs does); a metric name used twice, or one argument given two different default
// values by two templates, is an error, as is an argument nobody gives a value.
import type { AnalysisRunSpec, AnalysisTemplateSpec, Argument } from "../api/analysis.ts";

export class TemplateError extends Error {}

export function mergeTemplates(
  templates: { name: string; spec: AnalysisTemplateSpec }[],
  supplied: Argument[] = [],
): AnalysisRunSpec {
  const metrics: NonNullable<AnalysisRunSpec["metrics"]> = [];
  const seen = new Map<string, string>();
  const args = new Map<string, Argument>();
  const spec: AnalysisRunSpec = { metrics, dryRun: [], measurementRetention: [] };
  for (const { name, spec: template } of templates) {
    addMetrics(metrics, seen, name, template);
    addArgs(args, name, template);
    spec.dryRun?.push(...(template.dryRun ?? []));
    spec.measurementRetention?.push(...(template.measurementRetention ?? []));
  }
  for (const arg of supplied) if (args.has(arg.name)) args.set(arg.name, arg);
  for (const arg of args.values()) {
    if (arg.value === undefined && arg.valueFrom === undefined)
      throw new TemplateError(`argument "${arg.name}" has no value`);
  }
  spec.args = [...args.values()];
  return spec;
}

/** Appends a template's metrics; `seen` maps each metric name to the template that brought it. */
function addMetrics(
  metrics: NonNullable<AnalysisRunSpec["metrics"]>,
  seen: Map<string, string>,
  name: string,
  template: AnalysisTemplateSpec,
): void {
  for (const metric of template.metrics ?? []) {
    const other = seen.get(metric.name);
    if (other !== undefined)
      throw new TemplateError(`metric "${metric.name}" is in both template ${other} and ${name}`);
    seen.set(metric.name, name);
    metrics.push(metric);
  }
}

/** Adds a template's declared arguments; two templates may declare one only identically. */
function addArgs(args: Map<string, Argument>, name: string, template: AnalysisTemplateSpec): void {
  for (const arg of template.args ?? []) {
    const existing = args.get(arg.name);
    if (existing && JSON.stringify(existing) !== JSON.stringify(arg)) {
      throw new TemplateError(
        `argument "${arg.name}" is defined differently by two templates (${name} is one)`,
      );
    }
    args.set(arg.name, arg);
  }
}
