// `app history NAME`: Argo CD's `argocd app history` columns — ID, DATE, REVISION — once the
// controller records in `status.history`. Pure.
import { age } from "./age.ts";
import type { HistoryEntry } from "./app-info.ts";
import { formatTable } from "./table.ts";

export function renderAppHistory(history: readonly HistoryEntry[], now: Date): string {
  const rows = [...history]
    .sort((a, b) => a.id - b.id)
    .map((h) => [
      String(h.id),
      h.deployedAt ? `${h.deployedAt} (${age(h.deployedAt, now)} ago)` : "-",
      h.revision ?? "-",
      h.initiatedBy?.username ?? (h.initiatedBy?.automated ? "automated" : "-"),
    ]);
  return `${formatTable([["ID", "DEPLOYED", "REVISION", "INITIATED BY"], ...rows]).join("\n")}\n`;
}
