// status.runSummary and status.dryRunSummary: per group, how many metrics there are and how many
// completed in each phase. Dry-run metrics go only in dryRunSummary, so runSummary describes
// exactly the metrics that decide the run (as the peer does).
import type { AnalysisPhase, RunSummary } from "../api/analysis.ts";

type Counted = Required<RunSummary>;

const empty = (): Counted => ({ count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 });

const BUCKET: Partial<Record<AnalysisPhase, keyof Omit<Counted, "count">>> = {
  Successful: "successful",
  Failed: "failed",
  Inconclusive: "inconclusive",
  Error: "error",
};

export function summarize(results: { phase: AnalysisPhase; dryRun?: boolean }[]): {
  runSummary: Counted;
  dryRunSummary: Counted;
} {
  const runSummary = empty();
  const dryRunSummary = empty();
  for (const r of results) {
    const summary = r.dryRun ? dryRunSummary : runSummary;
    summary.count++;
    const bucket = BUCKET[r.phase];
    if (bucket) summary[bucket]++;
  }
  return { runSummary, dryRunSummary };
}
