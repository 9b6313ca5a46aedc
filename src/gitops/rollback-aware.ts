// Rollback-aware sync (DESIGN.md §8 point 6), pure: a Rollout applied from revision X that is
// aborted (by analysis or by a person) marks X as failed for that Rollout. While the Application
// still compares against X, its health is Degraded naming the Rollout, and automated sync and
// self-heal leave that Rollout alone — an undo or a hand rollback is not pushed back to the
// template that just failed. A new commit (the branch moves past X) clears the mark, and syncs
// as usual.
import type { FailedRollout } from "../api/application.ts";
import type { KubeObject } from "../kube/types.ts";

const ROLLOUT_GROUPS = new Set(["sluice.dev", "argoproj.io"]);

interface RolloutLive extends KubeObject {
  status?: { abort?: boolean; message?: string; phase?: string };
}

/** Why a live Rollout counts as failed (aborted), or undefined. */
export function abortedReason(group: string, live: KubeObject | undefined): string | undefined {
  if (live?.kind !== "Rollout" || !ROLLOUT_GROUPS.has(group)) return undefined;
  const status = (live as RolloutLive).status;
  if (status?.abort !== true) return undefined;
  return status.message || "aborted";
}

export interface RolloutSeen {
  name: string;
  group: string;
  live: KubeObject | undefined;
}

/**
 * The failed Rollouts after this look: marks for another revision are dropped (Git moved on);
 * a Rollout found aborted while the Application's last sync applied `revision` is marked.
 */
export function failedRollouts(
  previous: FailedRollout[] | undefined,
  rollouts: RolloutSeen[],
  revision: string,
  syncedRevision: string | undefined,
  now: string,
): FailedRollout[] {
  const kept = (previous ?? []).filter((f) => f.revision === revision);
  if (syncedRevision !== revision) return kept;
  const marked = [...kept];
  for (const r of rollouts) {
    const reason = abortedReason(r.group, r.live);
    if (reason && !marked.some((f) => f.rollout === r.name))
      marked.push({ rollout: r.name, revision, reason, at: now });
  }
  return marked;
}

/** The Application's health while a Rollout of this revision is marked failed. */
export function failedHealth(failed: FailedRollout[]): { status: "Degraded"; message: string } | undefined {
  const first = failed[0];
  if (!first) return undefined;
  return {
    status: "Degraded",
    message: `Rollout ${first.rollout} failed at revision ${first.revision.slice(0, 7)}: ${first.reason}; its template is not re-applied until a new commit`,
  };
}
