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
}

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
  return { terminate, remove };
}
