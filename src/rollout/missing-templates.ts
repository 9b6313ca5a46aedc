// A Rollout whose analysis names a template that is not there (yet) waits rather than aborts; this
// says so on the Rollout.
import type { Condition } from "../api/common.ts";
import type { Rollout } from "../api/rollout.ts";
import { setCondition } from "./conditions.ts";
import type { MissingTemplate } from "./run-plan.ts";

/**
 * Runs that wait for a template are said as the peer says a missing reference: InvalidSpec naming
 * the fields (phase Degraded), though nothing aborts and the next plan drops the condition once
 * the templates are there. The condition is kept from the last look when unchanged, so a wait
 * writes no status; `changed` says when the message is new (its log line and Event come once).
 */
export function missingTemplateCondition(
  rollout: Rollout,
  conditions: Condition[],
  missing: MissingTemplate[],
  now: number,
): { conditions: Condition[]; message: string; changed: boolean } {
  const message = missing.map((m) => `${m.field}: ${m.err} (waiting for it)`).join("; ");
  const earlier = rollout.status?.conditions?.filter((c) => c.type === "InvalidSpec") ?? [];
  return {
    conditions: setCondition(
      [...conditions.filter((c) => c.type !== "InvalidSpec"), ...earlier],
      { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
      new Date(now).toISOString(),
    ),
    message,
    changed: earlier[0]?.message !== message,
  };
}
