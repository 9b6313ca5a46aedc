// {{args.<name>}} substitution in a metric (provider config and conditions), from the run's
// args. A secretKeyRef value is read from the Secret only when a measurement is taken, used only in memory,
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
  /** Secret arguments not read: their placeholders stay as written. */
  unread?: Set<string>;
}

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * A run's arguments, with Secrets read only when a measurement needs them: `plain()` gives the
 * values written in the spec (enough to know when a metric is due, to resume or stop one in
 * flight), `withSecrets()` also reads each secretKeyRef (once per reconcile).
 */
export class RunArguments {
  private readonly plainValues = new Map<string, string>();
  private readonly secretArgs: Argument[] = [];
  private loaded: Promise<ResolvedArguments> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    args: Argument[] = [],
  ) {
    for (const arg of args) {
      if (arg.valueFrom?.secretKeyRef) this.secretArgs.push(arg);
      else if (arg.valueFrom?.fieldRef) {
        throw new ArgumentError(`args[${arg.name}].valueFrom.fieldRef needs a Rollout to resolve against`);
      } else if (arg.value !== undefined) this.plainValues.set(arg.name, arg.value);
    }
  }

  /** Plain values; a secret argument's placeholder is left as written. */
  plain(): ResolvedArguments {
    return { values: this.plainValues, secrets: [], unread: new Set(this.secretArgs.map((a) => a.name)) };
  }

  /** Every value, Secrets read (a missing Secret or key is an ArgumentError naming it). */
  withSecrets(): Promise<ResolvedArguments> {
    this.loaded ??= this.readSecrets();
    return this.loaded;
  }

  private async readSecrets(): Promise<ResolvedArguments> {
    const values = new Map(this.plainValues);
    const secrets: string[] = [];
    for (const arg of this.secretArgs) {
      const value = await this.readSecret(arg);
      values.set(arg.name, value);
      if (value) secrets.push(value);
    }
    return { values, secrets };
  }

  private async readSecret(arg: Argument): Promise<string> {
    const ref = arg.valueFrom?.secretKeyRef ?? { name: "", key: "" };
    let secret: KubeObject & { data?: Record<string, string> };
    try {
      secret = await this.client.get(Secrets, { namespace: this.namespace, name: ref.name });
    } catch (error) {
      if (isNotFound(error)) throw new ArgumentError(`args[${arg.name}]: Secret "${ref.name}" not found`);
      throw error;
    }
    const encoded = secret.data?.[ref.key];
    if (encoded === undefined)
      throw new ArgumentError(`args[${arg.name}]: Secret "${ref.name}" has no key "${ref.key}"`);
    return Buffer.from(encoded, "base64").toString("utf8");
  }
}

function substitute(value: unknown, args: ResolvedArguments): unknown {
  if (typeof value === "string") {
    return value.replace(PLACEHOLDER, (placeholder, name: string) => {
      const v = args.values.get(name);
      if (v !== undefined) return v;
      if (args.unread?.has(name)) return placeholder;
      throw new ArgumentError(`argument "${name}" has no value`);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, args));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, args)]));
  }
  return value;
}

/** Whether a metric (resolved with plain values) still needs a Secret that was not read. */
export function needsSecrets(metric: Metric, args: ResolvedArguments): boolean {
  if (!args.unread?.size) return false;
  for (const match of JSON.stringify(metric).matchAll(PLACEHOLDER)) {
    if (args.unread.has(match[1] ?? "")) return true;
  }
  return false;
}

export function resolveMetric(metric: Metric, args: ResolvedArguments): Metric {
  return substitute(metric, args) as Metric;
}

/** Replaces every secret value in `text` (and in its URL-encoded form) with *****. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("*****");
  }
  return out;
}
