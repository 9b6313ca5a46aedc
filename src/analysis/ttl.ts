// spec.ttlStrategy: when a completed AnalysisRun is due for deletion. Pure; the controller deletes
// the run once now reaches this time and otherwise requeues for it, so a restart loses nothing.
import type { AnalysisPhase, TTLStrategy } from "../api/analysis.ts";
import { isCompleted } from "./assess.ts";

// Only a real, non-negative number of seconds counts; anything else is as if unset, so a typo
// keeps a run rather than deleting it at once.
const seconds = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * The time (ms since epoch) at which a run is to be deleted, or undefined to keep it: it is not
 * completed, has no completedAt, or no TTL applies. A Successful run uses secondsAfterSuccess and
 * a Failed one secondsAfterFailure (Error and Inconclusive use neither, as for the peer, so a run
 * that could not decide is not collected as if it had failed); each falls back to
 * secondsAfterCompletion.
 */
export function deleteAt(
  phase: AnalysisPhase | undefined,
  completedAt: string | undefined,
  ttl: TTLStrategy | undefined,
): number | undefined {
  if (!ttl || !isCompleted(phase) || !completedAt) return undefined;
  const completed = Date.parse(completedAt);
  if (Number.isNaN(completed)) return undefined;
  const specific =
    phase === "Successful"
      ? ttl.secondsAfterSuccess
      : phase === "Failed"
        ? ttl.secondsAfterFailure
        : undefined;
  const after = seconds(specific) ?? seconds(ttl.secondsAfterCompletion);
  return after === undefined ? undefined : completed + after * 1000;
}
