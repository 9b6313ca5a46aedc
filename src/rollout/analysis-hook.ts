// The contract between the Rollout controller and analysis (the AnalysisRun controller comes with
// its own issue). A canary `analysis` step, background analysis from `startingStep`, and
// blue/green pre- and post-promotion analysis all go through this hook: the Rollout controller
// asks for a run with a deterministic name and reads its phase back, and the strategy machines
// turn the phase into events: Successful → continue, Failed or Error → abort, Inconclusive →
// pause. Until it is implemented the validator rejects those fields as not supported yet.

import type { Rollout, RolloutAnalysis } from "../api/rollout.ts";

export type AnalysisKind = "Step" | "Background" | "PrePromotion" | "PostPromotion";

export type AnalysisPhase = "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive";

export interface AnalysisRequest {
  rollout: Rollout;
  kind: AnalysisKind;
  /** The canary step index, for Step runs. */
  stepIndex?: number;
  podTemplateHash: string;
  spec: RolloutAnalysis;
}

export interface AnalysisHook {
  /** Creates the run if it does not exist yet (deterministic name: idempotent) and returns its phase. */
  ensure(request: AnalysisRequest): Promise<{ name: string; phase: AnalysisPhase; message?: string }>;
  /** Stops a run that is no longer needed (promotion, abort, new template). */
  terminate(rollout: Rollout, name: string): Promise<void>;
}
