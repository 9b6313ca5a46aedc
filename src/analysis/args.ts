// {{args.<name>}} substitution in a metric (provider config and conditions), from the run's args.
// secretKeyRef and fieldRef values come with the next slice; until then such an argument is an
// error that says so.
import type { Argument, Metric } from "../api/analysis.ts";

export class ArgumentError extends Error {}

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

export function argumentValues(args: Argument[] = []): Map<string, string> {
  const values = new Map<string, string>();
  for (const arg of args) {
    if (arg.valueFrom) throw new ArgumentError(`args[${arg.name}].valueFrom is not supported yet`);
    if (arg.value !== undefined) values.set(arg.name, arg.value);
  }
  return values;
}

function substitute(value: unknown, values: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const v = values.get(name);
      if (v === undefined) throw new ArgumentError(`argument "${name}" has no value`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  }
  return value;
}

export function resolveMetric(metric: Metric, values: Map<string, string>): Metric {
  return substitute(metric, values) as Metric;
}
