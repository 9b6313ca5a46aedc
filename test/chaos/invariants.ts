// The invariants a chaos run must hold, each judged over every object, with the objects that break
// it named. Checked once the run has settled (the end state, ReplicaSets, heap) or throughout it
// (ready endpoints, from the watch; ReplicaSet creations, from the audit log).
import { type AuditEvent, auditMatches, SLUICE_AGENT } from "../helpers/audit.ts";
import type { ZeroReady } from "./endpoints.ts";
import type { GitOutage } from "./schedule.ts";
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
  /** Applications not Synced and Healthy at their commit at the end. */
  unsyncedApps: string[];
  /**
   * ComparisonError Events on Applications naming a failed clone or fetch: proof the Git outages
   * were noticed at all; those past the fetch deadline, proof a hung server was given up on.
   */
  gitFailures: { reported: number; pastDeadline: number };
  /** How each Git outage looked, in order. */
  gitOutages: GitOutage[];
  namespace: string;
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
    crashes(e),
    noPrune(e),
    appsSynced(e),
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

/**
 * A duplicate made and deleted again leaves no object, but its create stays in the audit log. Any
 * create counts, whatever its answer: a create whose client was killed mid-request is logged as a
 * 504 and yet made the object.
 */
function replicaSetCreates(e: Evidence): Check {
  const creates = e.audit.filter((a) =>
    auditMatches(a, { resource: "replicasets", verbs: ["create"], userAgent: SLUICE_AGENT }),
  );
  const failures = e.observed.flatMap((o) => {
    const names = new Set(
      creates
        .map((a) => a.objectRef?.name ?? "")
        .filter((n) => n.startsWith(`${o.canary.name}-`) && !n.slice(o.canary.name.length + 1).includes("-")),
    );
    const kept = o.replicaSets.map((rs) => rs.metadata?.name ?? "");
    const extra = [...names].filter((n) => !kept.includes(n));
    return extra.length === 0 && names.size === kept.length
      ? []
      : [`${o.canary.name}: sluice created ${[...names].join(", ")}; there are ${kept.join(", ")}`];
  });
  const unnamed = creates.filter((a) => !a.objectRef?.name).length;
  if (unnamed > 0) failures.push(`${unnamed} ReplicaSet creates without a name in the audit log`);
  return {
    invariant: "no ReplicaSet created beyond those kept (audit log)",
    checked: e.observed.length,
    failures,
  };
}

function readyEndpoints(e: Evidence): Check {
  const failures = [
    ...e.zeroReady.map((z) => {
      const lasted =
        z.untilMs === undefined
          ? "until the end (the list after the run too)"
          : z.endSeenBy === "final"
            ? "past the watch's view: only the list after the run saw it over"
            : `for ${z.untilMs - z.atMs} ms`;
      const at = new Date(z.atMs).toISOString();
      return `${z.service}: zero ready endpoints ${lasted} from ${at} (${z.seenBy}, rv ${z.resourceVersion})`;
    }),
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

function crashes(e: Evidence): Check {
  return { invariant: "controller exits only when killed", checked: 1, failures: e.unexpectedExits };
}

/** Git never changes in a run: any ConfigMap sluice deleted was a wrong prune; inside a Git outage, the worst kind. */
function noPrune(e: Evidence): Check {
  const deletes = e.audit.filter((a) =>
    auditMatches(a, {
      namespace: e.namespace,
      resource: "configmaps",
      verbs: ["delete", "deletecollection"],
      userAgent: SLUICE_AGENT,
    }),
  );
  const gitDown = e.windows.filter((w) => w.component === "git");
  const failures = deletes.map((a) => {
    const at = Date.parse(a.requestReceivedTimestamp ?? "");
    const during = gitDown.some((w) => at >= w.startMs && at <= w.endMs) ? " while Git was unreachable" : "";
    return `sluice deleted configmaps/${a.objectRef?.name} at ${a.requestReceivedTimestamp}${during}`;
  });
  // An outage sluice never noticed proves nothing about what it does when it notices one.
  const { reported, pastDeadline } = e.gitFailures;
  if (gitDown.length > 0 && reported === 0) {
    failures.push(
      "no Application reported Git unreachable (no ComparisonError Event): the outage proved nothing",
    );
  }
  // The first outage is long enough for a poll and a fetch deadline with the controller surely up.
  if (e.gitOutages[0] === "hang" && pastDeadline === 0) {
    failures.push(
      "the first Git outage hung the server and no fetch was given up at its deadline (no ComparisonError 'no answer within')",
    );
  }
  const how = e.gitOutages.join(", ");
  const noticed = `${gitDown.length} Git outage(s) (${how}), ${reported} ComparisonError(s), ${pastDeadline} past the deadline`;
  return { invariant: `no Application pruned anything (${noticed})`, checked: 1, failures };
}

function appsSynced(e: Evidence): Check {
  return {
    invariant: "every Application Synced and Healthy after Git came back",
    checked: 1,
    failures: e.unsyncedApps,
  };
}
