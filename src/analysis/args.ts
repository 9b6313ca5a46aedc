// {{args.<name>}} substitution in a metric (provider config and conditions), from the run's
// args. A secretKeyRef value is read from the Secret at measurement time, used only in memory,
// and redacted from anything written (status, Events, logs). fieldRef values are resolved by the
// Rollout controller when it creates a run; on a bare AnalysisRun they are an error.
import type { Argument, Metric } from "../api/analysis.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { Secrets } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";

export class ArgumentError extends Error {}

export interface ResolvedArguments {
  values: Map<string, string>;
  /** Values that must never be written anywhere. */
  secrets: string[];
}

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

export async function resolveArguments(
  client: KubeClient,
  namespace: string,
  args: Argument[] = [],
): Promise<ResolvedArguments> {
  const values = new Map<string, string>();
  const secrets: string[] = [];
  for (const arg of args) {
    const ref = arg.valueFrom?.secretKeyRef;
    if (ref) {
      let secret: KubeObject & { data?: Record<string, string> };
      try {
        secret = await client.get(Secrets, { namespace, name: ref.name });
      } catch (error) {
        if (isNotFound(error)) throw new ArgumentError(`args[${arg.name}]: Secret "${ref.name}" not found`);
        throw error;
      }
      const encoded = secret.data?.[ref.key];
      if (encoded === undefined)
        throw new ArgumentError(`args[${arg.name}]: Secret "${ref.name}" has no key "${ref.key}"`);
      const value = Buffer.from(encoded, "base64").toString("utf8");
      values.set(arg.name, value);
      if (value) secrets.push(value);
    } else if (arg.valueFrom?.fieldRef) {
      throw new ArgumentError(`args[${arg.name}].valueFrom.fieldRef needs a Rollout to resolve against`);
    } else if (arg.value !== undefined) {
      values.set(arg.name, arg.value);
    }
  }
  return { values, secrets };
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

/** Replaces every secret value in `text` (and in its URL-encoded form) with *****. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("*****");
  }
  return out;
}
