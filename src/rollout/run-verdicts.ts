// Completed AnalysisRuns a Rollout depends on, reported once each (as an Event, the peer's
// `AnalysisRun<Phase>` reasons and "<kind> analysis phase <phase>: <message>" wording): a run is
// new to report while the Rollout's status has not yet recorded it in that phase.
import { isCompleted } from "../analysis/assess.ts";
import type { AnalysisPhase } from "../api/analysis.ts";
import type { ObservedRun, RunKind } from "./rollout-analysis.ts";

export interface RunVerdict {
  kind: RunKind;
  name: string;
  phase: Exclude<AnalysisPhase, "Pending" | "Running">;
  /** Human text for the Event. */
  message: string;
}

const KIND_TEXT: Record<RunKind, string> = {
  Step: "Step-based",
  Background: "Background",
  PrePromotion: "Blue-green pre-promotion",
  PostPromotion: "Blue-green post-promotion",
};

interface Seen {
  kind: RunKind;
  run: ObservedRun | undefined;
  /** What the status recorded for this kind of run before this reconcile. */
  recorded: { name?: string; status?: string } | undefined;
}

export function runVerdicts(seen: Seen[]): RunVerdict[] {
  const verdicts: RunVerdict[] = [];
  for (const { kind, run, recorded } of seen) {
    if (!run || !isCompleted(run.phase)) continue;
    if (recorded?.name === run.name && recorded.status === run.phase) continue;
    const phase = run.phase as RunVerdict["phase"];
    const detail = run.message ? `: ${run.message}` : "";
    verdicts.push({
      kind,
      name: run.name,
      phase,
      message: `${KIND_TEXT[kind]} analysis phase ${phase.toLowerCase()}${detail} (AnalysisRun ${run.name})`,
    });
  }
  return verdicts;
}
