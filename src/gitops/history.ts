// An Application's deploy history (Argo CD's status.history), pure: a deploy is recorded when a
// sync to a new revision succeeds (and for every operation a person asked for), ids grow by one,
// and only the last `revisionHistoryLimit` (default 10) are kept. Self-heal syncs at the same
// revision are not deploys of anything new, so they are not recorded.
import type { HistoryEntry } from "../api/application.ts";

export const DEFAULT_HISTORY_LIMIT = 10;

export function withDeploy(
  history: HistoryEntry[] | undefined,
  deploy: Omit<HistoryEntry, "id">,
  limit: number | undefined,
): HistoryEntry[] {
  const past = history ?? [];
  const id = past.reduce((max, h) => Math.max(max, h.id), -1) + 1;
  const kept = Math.max(1, limit ?? DEFAULT_HISTORY_LIMIT);
  return [...past, { id, ...deploy }].slice(-kept);
}

/** Whether a successful sync is a deploy worth a history entry. */
export function isDeploy(history: HistoryEntry[] | undefined, revision: string, askedFor: boolean): boolean {
  return askedFor || history?.at(-1)?.revision !== revision;
}
