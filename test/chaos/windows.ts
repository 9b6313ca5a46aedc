// Outage windows as recorded during a chaos run, and the arithmetic on them the invariants need:
// how long Prometheus was down while the analysis could actually see it (the controller up, the
// API server and etcd up), which decides whether an analysis must, may or must not have errored out.

export type Component = "controller" | "kube-apiserver" | "etcd" | "prometheus";

export interface Window {
  component: Component;
  /** Epoch ms: stopped. */
  startMs: number;
  /** Epoch ms: serving again (for the controller: its informers synced; Prometheus: the gauge readable). */
  endMs: number;
}

export type Interval = [number, number];

/** The union of intervals, merged and sorted. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** `from` minus every interval of `holes`. */
export function subtract(from: readonly Interval[], holes: readonly Interval[]): Interval[] {
  let pieces = union(from);
  for (const [ha, hb] of union(holes)) {
    pieces = pieces.flatMap(([a, b]): Interval[] => {
      if (hb <= a || ha >= b) return [[a, b]];
      const left: Interval[] = ha > a ? [[a, ha]] : [];
      const right: Interval[] = hb < b ? [[hb, b]] : [];
      return [...left, ...right];
    });
  }
  return pieces;
}

/**
 * The stretches when Prometheus was down while the analysis was being measured and could record
 * it: from `since` on, minus the times the controller, the API server or etcd were down.
 */
export function exposedOutages(windows: readonly Window[], since: number): Interval[] {
  const prometheus = windows
    .filter((w) => w.component === "prometheus")
    .map((w): Interval => [Math.max(w.startMs, since), w.endMs]);
  const blind = windows
    .filter((w) => w.component !== "prometheus")
    .map((w): Interval => [w.startMs, w.endMs]);
  return subtract(prometheus, blind);
}

export type Verdict = "must-abort" | "may-abort" | "must-not-abort";

/**
 * With consecutiveErrorLimit 0 the first Error ends the analysis. A measurement every
 * `intervalMs` lands in any exposed stretch longer than `certainMs` (interval plus the
 * controller's latency); one shorter may or may not catch one; none means no Error at all.
 */
export function zeroToleranceVerdict(exposed: readonly Interval[], certainMs: number): Verdict {
  if (exposed.some(([a, b]) => b - a >= certainMs)) return "must-abort";
  return exposed.length > 0 ? "may-abort" : "must-not-abort";
}
