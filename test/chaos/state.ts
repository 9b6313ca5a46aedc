// What each Rollout should end as, and what it is: the expected end state follows from its data
// (the gauge always passes) and the recorded outage windows; the observed one is read from the
// Rollout, its ReplicaSets and AnalysisRuns once the run has settled.
import type { AnalysisRun } from "../../src/api/analysis.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { AnalysisRuns, ReplicaSets, Rollouts } from "../../src/kube/resources.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../src/rollout/world.ts";
import { type Canary, toleranceOf } from "./fleet.ts";
import {
  errorVerdict,
  exposedOutages,
  type Interval,
  surelySeeing,
  type View,
  type Window,
} from "./windows.ts";

export interface Observed {
  canary: Canary;
  rollout: Rollout;
  /** Its ReplicaSets (by owner reference). */
  replicaSets: ReplicaSet[];
  /** Hashes of its ReplicaSets at web:1 and web:2. */
  v1: string | undefined;
  v2: string | undefined;
  /**
   * From its first AnalysisRun's creation to the last one's completion (epoch ms), if it had any.
   * Both stamps have whole seconds: the true span lies within a second of each end.
   */
  runLife: Interval | undefined;
}

export async function observe(
  client: KubeClient,
  namespace: string,
  canaries: Canary[],
): Promise<Observed[]> {
  const [rollouts, sets, runs] = await Promise.all([
    client.list<Rollout>(Rollouts, { namespace }),
    client.list<ReplicaSet>(ReplicaSets, { namespace }),
    client.list<AnalysisRun>(AnalysisRuns, { namespace }),
  ]);
  const owner = (o: { metadata?: { ownerReferences?: { kind: string; name: string }[] } }) =>
    o.metadata?.ownerReferences?.find((r) => r.kind === "Rollout")?.name;
  return canaries.map((canary) => {
    const rollout = rollouts.items.find((r) => r.metadata?.name === canary.name) ?? {};
    const replicaSets = sets.items.filter((rs) => owner(rs) === canary.name);
    const imageOf = (rs: ReplicaSet) =>
      (rs.spec?.template?.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image;
    const hashOf = (image: string) =>
      replicaSets.find((rs) => imageOf(rs) === image)?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    const mine = runs.items.filter((r) => owner(r) === canary.name);
    const ends = mine.map((r) =>
      r.status?.completedAt ? Date.parse(r.status.completedAt) : Number.POSITIVE_INFINITY,
    );
    const starts = mine.map((r) => Date.parse(r.metadata?.creationTimestamp ?? ""));
    return {
      canary,
      rollout,
      replicaSets,
      v1: hashOf("web:1"),
      v2: hashOf("web:2"),
      runLife: mine.length > 0 ? [Math.min(...starts), Math.max(...ends)] : undefined,
    };
  });
}

export type Expected =
  | "healthy-on-v2"
  | "aborted-on-v1"
  | "paused-on-step"
  | "aborted-or-paused"
  | "aborted-or-healthy";

/** The gauge always passes: only Prometheus downtime while an analysis ran can end it in an abort. */
export function expectedEnd(o: Observed, windows: readonly Window[]): { expected: Expected; why: string } {
  const pausedForever = o.canary.analysis === "zero-tolerance";
  const otherwise: Expected = pausedForever ? "paused-on-step" : "healthy-on-v2";
  if (o.runLife === undefined) return { expected: otherwise, why: "no AnalysisRun was ever made" };
  const [from, to] = o.runLife;
  const exposed = {
    surely: exposedOutages(windows, "surely", from + 1000, to),
    possibly: exposedOutages(windows, "possibly", from, to + 1000),
  };
  const verdict = errorVerdict(exposed, toleranceOf(o.canary.analysis), surelySeeing(windows, from, to));
  const lengths = (view: View) => exposed[view].map(([a, b]) => `${b - a}ms`).join(", ") || "never";
  const why = `Prometheus down while measured: surely ${lengths("surely")}, possibly ${lengths("possibly")}`;
  const expected: Expected =
    verdict === "must-abort"
      ? "aborted-on-v1"
      : verdict === "must-not-abort"
        ? otherwise
        : pausedForever
          ? "aborted-or-paused"
          : "aborted-or-healthy";
  return { expected, why };
}

/** Where the Rollout is now, in the words of Expected; undefined when it is none of them. */
export function endState(o: Observed): Expected | undefined {
  const s = o.rollout.status ?? {};
  const current = s.observedGeneration === o.rollout.metadata?.generation;
  if (!current || !o.v2) return undefined;
  if (s.phase === "Healthy" && s.stableRS === o.v2 && s.abort !== true) return "healthy-on-v2";
  if (s.phase === "Degraded" && s.abort === true && s.stableRS === o.v1) return "aborted-on-v1";
  if (s.phase === "Paused" && s.abort !== true && s.stableRS === o.v1 && s.currentPodHash === o.v2) {
    return "paused-on-step";
  }
  return undefined;
}

export function matches(expected: Expected, actual: Expected | undefined): boolean {
  if (expected === "aborted-or-paused") return actual === "aborted-on-v1" || actual === "paused-on-step";
  if (expected === "aborted-or-healthy") return actual === "aborted-on-v1" || actual === "healthy-on-v2";
  return actual === expected;
}

/** A one-line picture of a Rollout for failure messages. */
export function describeRollout(o: Observed): string {
  const s = o.rollout.status ?? {};
  return JSON.stringify({
    phase: s.phase,
    abort: s.abort,
    stable: s.stableRS,
    current: s.currentPodHash,
    v1: o.v1,
    v2: o.v2,
    step: s.currentStepIndex,
    generation: `${s.observedGeneration}/${o.rollout.metadata?.generation}`,
    message: s.message,
  });
}

/** How many Rollouts ended in each state, e.g. "healthy-on-v2 16, aborted-on-v1 1". */
export function tally(observed: readonly Observed[]): string {
  const counts = new Map<string, number>();
  for (const o of observed) {
    const state = endState(o) ?? "neither";
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return [...counts].map(([state, n]) => `${state} ${n}`).join(", ");
}
