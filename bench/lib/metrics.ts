// The controller's /metrics, scraped by a bench: series → value, and the sums and deltas the tables need.
import { histogramQuantile } from "./stats.ts";

export type Series = Map<string, number>;

/** The controller's /metrics as series → value (labels kept in the key). */
export async function scrape(port: number): Promise<Series> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const series: Series = new Map();
  for (const line of text.split("\n")) {
    const m = /^([^#\s][^ ]*) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) series.set(m[1], Number(m[2]));
  }
  return series;
}

/** Sum of the series whose key starts with `prefix` and holds every one of `labelParts`. */
export const sumOf = (metrics: Series, prefix: string, ...labelParts: string[]) =>
  [...metrics]
    .filter(([k]) => k.startsWith(prefix) && labelParts.every((p) => k.includes(p)))
    .reduce((n, [, v]) => n + v, 0);

/** Delta of the controller's API request counter per verb between two scrapes. */
export function requestsByVerb(before: Series, after: Series): Record<string, number> {
  const byVerb: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith("sluice_kube_api_requests_total{")) continue;
    const verb = /verb="([^"]*)"/.exec(key)?.[1] ?? "?";
    byVerb[verb] = (byVerb[verb] ?? 0) + value - (before.get(key) ?? 0);
  }
  return byVerb;
}

/**
 * A quantile of a histogram over the interval between two scrapes (bucket deltas), for the series
 * of `name` holding `label` (e.g. controller="rollout"); in milliseconds.
 */
export function quantileMsBetween(before: Series, after: Series, name: string, label: string, q: number) {
  const buckets = new Map<number, number>();
  for (const [key, value] of after) {
    if (!key.startsWith(`${name}_bucket{`) || !key.includes(label)) continue;
    const le = /le="([^"]*)"/.exec(key)?.[1] ?? "+Inf";
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value - (before.get(key) ?? 0));
  }
  return 1000 * histogramQuantile(q, [...buckets]);
}

/**
 * The Rollout controller's reconcile and queue latency between two scrapes, p50/p99 in ms, and how
 * many reconciles ran with their mean: with W workers all busy, the mean reconcile is W ÷ the
 * reconciles per second (Little's law), whatever each one does.
 */
export function rolloutLatencies(before: Series, after: Series) {
  const q = (name: string, label: string, p: number) => quantileMsBetween(before, after, name, label, p);
  const delta = (suffix: string) =>
    sumOf(after, `sluice_reconcile_duration_seconds_${suffix}`, 'controller="rollout"') -
    sumOf(before, `sluice_reconcile_duration_seconds_${suffix}`, 'controller="rollout"');
  const reconciles = delta("count");
  return {
    reconciles,
    reconcileMeanMs: reconciles > 0 ? (1000 * delta("sum")) / reconciles : 0,
    reconcileP50Ms: q("sluice_reconcile_duration_seconds", 'controller="rollout"', 0.5),
    reconcileP99Ms: q("sluice_reconcile_duration_seconds", 'controller="rollout"', 0.99),
    queueP50Ms: q("sluice_workqueue_queue_duration_seconds", 'name="rollout"', 0.5),
    queueP99Ms: q("sluice_workqueue_queue_duration_seconds", 'name="rollout"', 0.99),
  };
}
