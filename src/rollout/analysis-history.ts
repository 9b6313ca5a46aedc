// AnalysisRuns a Rollout owns outlive their use: runs still measuring for a step the rollout has
// left are terminated, and completed runs beyond the history limits (the peer's defaults: 5
// successful, 5 unsuccessful) are deleted, newest kept, so long-lived Rollouts do not grow.

import { isCompleted } from "../analysis/assess.ts";
import type { AnalysisRun } from "../api/analysis.ts";
import type { Rollout } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";

export interface RunHousekeeping {
  terminate: string[];
  remove: string[];
  /**
   * Completed runs left behind with a verdict that stops a rollout (Inconclusive, Failed, Error),
   * to be marked as cut short: should their name ever be wanted again (a status field lost, an
   * analysis removed and added back), they are replaced by a fresh run instead of pausing or
   * aborting the rollout again on an old verdict.
   */
  supersede: string[];
}

/**
 * Set on runs this controller terminates because the rollout stopped waiting on them (such a run
 * ends Successful, which is no verdict), and on completed runs it left behind with a stopping
 * verdict. A marked run is never judged: if its name is wanted again (a round number reused after
 * a lost status write, a status field lost), it is replaced by a fresh run. A run a person
 * terminates carries no mark and counts as Successful, as for the peer.
 */
export const TERMINATED_BY_ROLLOUT = "sluice.dev/terminated-by-rollout";

export const cutShort = (run: AnalysisRun): boolean =>
  run.metadata?.annotations?.[TERMINATED_BY_ROLLOUT] === "true";

export function runHousekeeping(
  rollout: Rollout,
  runs: AnalysisRun[],
  keep: readonly string[],
): RunHousekeeping {
  const current = (r: AnalysisRun) => keep.includes(r.metadata?.name ?? "");
  const terminate = runs
    .filter((r) => !current(r) && !isCompleted(r.status?.phase) && !r.spec?.terminate)
    .map((r) => r.metadata?.name ?? "");
  const newestFirst = (a: AnalysisRun, b: AnalysisRun) =>
    Date.parse(b.status?.completedAt ?? b.metadata?.creationTimestamp ?? "") -
    Date.parse(a.status?.completedAt ?? a.metadata?.creationTimestamp ?? "");
  const completed = runs.filter((r) => !current(r) && isCompleted(r.status?.phase)).sort(newestFirst);
  const keepSuccessful =
    rollout.spec?.analysis?.successfulRunHistoryLimit ?? RolloutDefaults.successfulRunHistoryLimit;
  const keepUnsuccessful =
    rollout.spec?.analysis?.unsuccessfulRunHistoryLimit ?? RolloutDefaults.unsuccessfulRunHistoryLimit;
  const successful = completed.filter((r) => r.status?.phase === "Successful");
  const unsuccessful = completed.filter((r) => r.status?.phase !== "Successful");
  const remove = [...successful.slice(keepSuccessful), ...unsuccessful.slice(keepUnsuccessful)].map(
    (r) => r.metadata?.name ?? "",
  );
  const removed = new Set(remove);
  const supersede = completed
    .filter((r) => r.status?.phase !== "Successful" && !removed.has(r.metadata?.name ?? ""))
    .filter((r) => !cutShort(r))
    .map((r) => r.metadata?.name ?? "");
  return { terminate, remove, supersede };
}
