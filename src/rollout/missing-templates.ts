// A Rollout whose analysis names a template that is not there (yet) waits rather than aborts; this
// says so on the Rollout.
import type { Logger } from "pino";
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import type { EventRecorder } from "../telemetry/events.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { computePhase, setCondition } from "./conditions.ts";

export interface MissingTemplate {
  /** Where in the spec the analysis is, e.g. spec.strategy.canary.steps[1].analysis. */
  field: string;
  run: string;
  err: string;
}

/**
 * Runs that wait for a template are said as the peer says a missing reference: InvalidSpec naming
 * the fields (phase Degraded), though nothing aborts and the next plan drops the condition once
 * the templates are there. The condition is kept from the last look when unchanged (the plan
 * dropped it), so a wait writes no status, and its log line and Event come only when it changes.
 */
export async function reportMissingTemplates(
  events: EventRecorder,
  log: Logger,
  rollout: Rollout,
  plan: { status: RolloutStatus },
  missing: MissingTemplate[],
  now: number,
): Promise<void> {
  const message = missing.map((m) => `${m.field}: ${m.err} (waiting for it)`).join("; ");
  const earlier = rollout.status?.conditions?.filter((c) => c.type === "InvalidSpec") ?? [];
  if (earlier[0]?.message !== message) {
    log.warn({ waiting: missing }, "AnalysisRun waits for its template");
    await events.record(rollout, "Warning", Reasons.AnalysisTemplateNotFound, message);
  }
  plan.status.conditions = setCondition(
    [...(plan.status.conditions ?? []), ...earlier],
    { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
    new Date(now).toISOString(),
  );
  Object.assign(plan.status, computePhase(rollout.spec ?? {}, plan.status));
}
