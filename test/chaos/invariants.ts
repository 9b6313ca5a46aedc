// The invariants a chaos run must hold, each judged over every object, with the objects that break
// it named. Checked once the run has settled (the end state, ReplicaSets, heap) or throughout it
// (ready endpoints, from the watch; ReplicaSet creations, from the audit log).
import { type AuditEvent, auditMatches, SLUICE_AGENT } from "../helpers/audit.ts";
import type { ZeroReady } from "./endpoints.ts";
import { ERROR_RETRY_MS, TOLERANT_ERROR_LIMIT } from "./fleet.ts";
import { describeRollout, endState, expectedEnd, matches, type Observed } from "./state.ts";
import type { Window } from "./windows.ts";

export interface Check {
  invariant: string;
  checked: number;
  failures: string[];
}

export interface Evidence {
  observed: Observed[];
  windows: Window[];
  audit: AuditEvent[];
  zeroReady: ZeroReady[];
  neverReady: string[];
  heap: { baseline: number; end: number };
  unexpectedExits: string[];
}

const MiB = 1024 * 1024;
/** Heap after GC may exceed its baseline by this much: caches hold the AnalysisRuns made since. */
const HEAP_SLACK = { ratio: 1.25, bytes: 8 * MiB };

export function checkAll(e: Evidence): Check[] {
  return [
    endStates(e),
    replicaSets(e),
    replicaSetCreates(e),
    readyEndpoints(e),
    heap(e),
    premise(e),
    crashes(e),
  ];
}

function endStates(e: Evidence): Check {
  const failures = e.observed.flatMap((o) => {
    const { expected, why } = expectedEnd(o, e.windows);
    const actual = endState(o);
    return matches(expected, actual)
      ? []
      : [`${o.canary.name}: expected ${expected} (${why}), is ${actual ?? "neither"}: ${describeRollout(o)}`];
  });
  return { invariant: "end state as data and outages dictate", checked: e.observed.length, failures };
}

function replicaSets(e: Evidence): Check {
  const failures = e.observed.flatMap((o) => {
    const names = o.replicaSets.map((rs) => rs.metadata?.name ?? "?");
    return names.length === 2 && o.v1 && o.v2
      ? []
      : [`${o.canary.name}: ${names.length} ReplicaSets (${names.join(", ")})`];
  });
  return { invariant: "exactly 2 ReplicaSets per Rollout", checked: e.observed.length, failures };
}

/** A duplicate made and then deleted leaves no object, but it leaves its create in the audit log. */
function replicaSetCreates(e: Evidence): Check {
  const creates = e.audit.filter((a) =>
    auditMatches(a, { resource: "replicasets", verbs: ["create"], userAgent: SLUICE_AGENT, succeeded: true }),
  );
  const failures = e.observed.flatMap((o) => {
    const mine = creates.filter((a) => {
      const name = a.objectRef?.name ?? "";
      return name.startsWith(`${o.canary.name}-`) && !name.slice(o.canary.name.length + 1).includes("-");
    });
    return mine.length === 2 ? [] : [`${o.canary.name}: ${mine.length} ReplicaSet creates by sluice`];
  });
  const unnamed = creates.filter((a) => !a.objectRef?.name).length;
  if (unnamed > 0) failures.push(`${unnamed} ReplicaSet creates without a name in the audit log`);
  return { invariant: "2 ReplicaSet creates per Rollout (audit log)", checked: e.observed.length, failures };
}

function readyEndpoints(e: Evidence): Check {
  const failures = [
    ...e.zeroReady.map(
      (z) =>
        `${z.service}: zero ready endpoints at ${new Date(z.atMs).toISOString()} (${z.seenBy}, rv ${z.resourceVersion})`,
    ),
    ...e.neverReady.map((s) => `${s}: never had a ready endpoint, so nothing was proved about it`),
  ];
  return { invariant: "stable Service never at zero ready endpoints", checked: e.observed.length, failures };
}

function heap(e: Evidence): Check {
  const { baseline, end } = e.heap;
  const limit = baseline * HEAP_SLACK.ratio + HEAP_SLACK.bytes;
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const failures =
    end <= limit
      ? []
      : [
          `heap after GC ${mib(end)} > ${mib(limit)} (baseline ${mib(baseline)} × ${HEAP_SLACK.ratio} + ${mib(HEAP_SLACK.bytes)})`,
        ];
  return {
    invariant: `controller heap after GC near baseline (${mib(baseline)} → ${mib(end)})`,
    checked: 1,
    failures,
  };
}

/** The run's premise: outages the tolerant analyses must ride out were shorter than their tolerance. */
function premise(e: Evidence): Check {
  const tolerance = TOLERANT_ERROR_LIMIT * ERROR_RETRY_MS;
  const outages = e.windows.filter((w) => w.component === "prometheus");
  const failures = outages
    .filter((w) => w.endMs - w.startMs >= tolerance)
    .map(
      (w) =>
        `Prometheus down ${w.endMs - w.startMs} ms >= tolerance ${tolerance} ms: the tolerant Rollouts' end is not dictated`,
    );
  return {
    invariant: `Prometheus outages under the ${tolerance / 1000}s error tolerance`,
    checked: outages.length,
    failures,
  };
}

function crashes(e: Evidence): Check {
  return { invariant: "controller exits only when killed", checked: 1, failures: e.unexpectedExits };
}
