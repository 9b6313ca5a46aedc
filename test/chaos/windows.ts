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
 * The stretches when an analysis surely saw Prometheus serving: Prometheus, the controller, the API
 * server and etcd all surely up. A measurement in such a stretch succeeds and resets an error streak.
 */
export function surelySeeing(windows: readonly Window[], since: number, until: number): Interval[] {
  const down = windows
    .filter((w) => w.component !== "git" && w.component !== "standby")
    .map((w): Interval => [w.startMs, w.endMs]);
  return subtract([[since, until]], down);
}

/**
 * Exposed stretches grouped where no successful measurement can have come between: two stretches
 * stay apart only if, between them, the analysis surely saw Prometheus for `gapMs` at a stretch.
 * Without `seeing`, all time between stretches counts as seen (joinClose). A gap's length alone
 * is not enough: a failover's controller outage can fill most of it.
 */
export function streakGroups(
  intervals: readonly Interval[],
  gapMs: number,
  seeing?: readonly Interval[],
): Interval[][] {
  const groups: Interval[][] = [];
  for (const [a, b] of union(intervals)) {
    const group = groups.at(-1);
    const last = group?.at(-1);
    const gap: Interval[] = last ? [[last[1], a]] : [];
    // The gap's surely-seen part: the gap minus whatever of it was not surely seen.
    const between = seeing ? subtract(gap, subtract(gap, seeing)) : gap;
    const seen = between.some(([x, y]) => y - x >= gapMs);
    if (group && !seen) group.push([a, b]);
    else groups.push([[a, b]]);
  }
  return groups;
}

/**
 * Whether exposed Prometheus downtime must, may or must not have ended an analysis. Errors in one
 * stretch of length D come at least `retryMs` apart, so at most floor(D / retryMs) + 1 of them:
 * within the limit while D < limit × retryMs. Stretches no success can have split (streakGroups)
 * add up: their errors are bounded both per stretch and by the group's whole span. A stretch
 * covering the first measurement (one interval) and `limit` retries, plus slack, surely holds
 * limit + 1 of them.
 */
export function errorVerdict(
  exposed: Record<View, readonly Interval[]>,
  t: Tolerance,
  seeing?: readonly Interval[],
): Verdict {
  const certain = t.intervalMs + t.limit * t.retryMs + t.slackMs;
  if (exposed.surely.some(([a, b]) => b - a >= certain)) return "must-abort";
  const most = (d: number) => Math.floor(d / t.retryMs) + 1;
  const withinLimit = (group: Interval[]) => {
    const span = (group.at(-1)?.[1] ?? 0) - (group[0]?.[0] ?? 0);
    const perStretch = group.reduce((n, [a, b]) => n + most(b - a), 0);
    return Math.min(most(span), perStretch) <= t.limit;
  };
  const groups = streakGroups(exposed.possibly, t.retryMs + t.intervalMs, seeing);
  return groups.every(withinLimit) ? "must-not-abort" : "may-abort";
}
