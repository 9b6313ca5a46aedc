// `kubectl sluice list analysisruns`: NAME PHASE ROLLOUT METRICS AGE, NAMESPACE first with
// --all-namespaces, and with -o wide when the run started and finished and its message. Pure.
import type { AnalysisRun } from "../../api/analysis.ts";
import { age } from "./age.ts";
import { rolloutOf, summaryText } from "./analysisrun-info.ts";
import { formatTable } from "./table.ts";

export interface AnalysisRunListOptions {
  allNamespaces: boolean;
  wide: boolean;
}

function row(run: AnalysisRun, now: Date, options: AnalysisRunListOptions): string[] {
  const cells = [
    run.metadata?.name ?? "",
    run.status?.phase ?? "Pending",
    rolloutOf(run) ?? "-",
    summaryText(run),
    age(run.metadata?.creationTimestamp, now),
  ];
  if (options.allNamespaces) cells.unshift(run.metadata?.namespace ?? "");
  if (options.wide)
    cells.push(run.status?.startedAt ?? "-", run.status?.completedAt ?? "-", run.status?.message || "-");
  return cells;
}

/** Sorted by namespace, then oldest first (a Rollout's runs in the order they ran), then name. */
export function renderAnalysisRunList(
  runs: AnalysisRun[],
  now: Date,
  options: AnalysisRunListOptions,
): string {
  const header = [
    ...(options.allNamespaces ? ["NAMESPACE"] : []),
    "NAME",
    "PHASE",
    "ROLLOUT",
    "METRICS",
    "AGE",
    ...(options.wide ? ["STARTED", "FINISHED", "MESSAGE"] : []),
  ];
  const sorted = [...runs].sort(
    (a, b) =>
      (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
      (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  return `${formatTable([header, ...sorted.map((r) => row(r, now, options))]).join("\n")}\n`;
}
