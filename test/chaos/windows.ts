// Outage windows as recorded during a chaos run, and the arithmetic on them the invariants need:
// how long Prometheus was down while the analysis could actually see it (the controller up, the
// API server and etcd up), which decides whether an analysis must, may or must not have errored out.

/** "standby": an HA run's standby replica killed, which blinds nothing (the leader kept going). */
export type Component = "controller" | "standby" | "kube-apiserver" | "etcd" | "prometheus" | "git";

export interface Window {
  component: Component;
  /** Epoch ms: stopped. */
  startMs: number;
  /** Epoch ms: being started again. From here it may already act (a new controller reconciles what it has synced). */
  restartMs: number;
  /** Epoch ms: surely serving again (the controller: every informer synced; Prometheus: the gauge readable). */
  endMs: number;
}

/**
 * Surely: Prometheus surely down ([stopped, restarting)) while the rest was surely up (outside
 * [stopped, serving)). Possibly: Prometheus possibly down ([stopped, serving)) while the rest was
 * possibly up. "Must abort" is judged on the first, "must not abort" on the second.
 */
export type View = "surely" | "possibly";

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
 * The stretches when Prometheus was down while an analysis ran ([since, until)) and could record
 * it: minus the times the controller, the API server or etcd were down.
 */
export function exposedOutages(
  windows: readonly Window[],
  view: View,
  since: number,
  until = Number.POSITIVE_INFINITY,
): Interval[] {
  const surely = view === "surely";
  const prometheus = windows
    .filter((w) => w.component === "prometheus")
    .map((w): Interval => [Math.max(w.startMs, since), Math.min(surely ? w.restartMs : w.endMs, until)]);
  const blinding: Component[] = ["controller", "kube-apiserver", "etcd"];
  const blind = windows
    .filter((w) => blinding.includes(w.component))
    .map((w): Interval => [w.startMs, surely ? w.endMs : w.restartMs]);
  return subtract(prometheus, blind);
}

export type Verdict = "must-abort" | "may-abort" | "must-not-abort";

export interface Tolerance {
  /** consecutiveErrorLimit: this many Errors in a row are ridden out, one more ends the analysis. */
  limit: number;
  intervalMs: number;
  /** After an Error the next measurement comes this much later (the peer's 10 s). */
  retryMs: number;
  /** The controller's latency on top of the schedule (busy cores). */
  slackMs: number;
}

/** Stretches closer than `gapMs` as one: no measurement in between can have reset the error streak. */
export function joinClose(intervals: readonly Interval[], gapMs: number): Interval[] {
  const out: Interval[] = [];
  for (const [a, b] of union(intervals)) {
    const last = out.at(-1);
    if (last && a - last[1] < gapMs) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}

/**
 * Whether exposed Prometheus downtime must, may or must not have ended an analysis. Errors in one
 * stretch of length D come at least `retryMs` apart, so at most floor(D / retryMs) + 1 of them:
 * within the limit while D < limit × retryMs. A stretch covering the first measurement (one
 * interval) and `limit` retries, plus slack, surely holds limit + 1 of them.
 */
export function errorVerdict(exposed: Record<View, readonly Interval[]>, t: Tolerance): Verdict {
  const certain = t.intervalMs + t.limit * t.retryMs + t.slackMs;
  if (exposed.surely.some(([a, b]) => b - a >= certain)) return "must-abort";
  const joined = joinClose(exposed.possibly, t.retryMs + t.intervalMs);
  return joined.every(([a, b]) => b - a < t.limit * t.retryMs) ? "must-not-abort" : "may-abort";
}
