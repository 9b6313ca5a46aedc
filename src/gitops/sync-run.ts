// Running a sync from a look: the plan (plan.ts), Events and metrics, the self-heal count, the
// operation's state as Argo CD records it (with when a failed sync is tried again), and the
// verdicts of what was applied settled by the server's answers.

import type { Application, ApplicationStatus } from "../api/application.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { runSyncWithHooks } from "./apply/hook-run.ts";
import type { SyncOutcome } from "./apply/sync.ts";
import type { ObjectState } from "./compare.ts";
import { retryDelayMs, retryPolicyOf, type SyncDecision } from "./decide.ts";
import type { IgnoreRule } from "./diff/index.ts";
import { isHeld, type Look, type Observed } from "./look.ts";
import { verdictKey } from "./objects.ts";
import { syncPlan } from "./plan.ts";

export async function syncNow(
  look: Look,
  decision: Extract<SyncDecision, { action: "sync" }>,
  seen: Observed,
) {
  const { shell, app } = look;
  const { sha, leftovers } = seen;
  // Only a person's operation applies a held Rollout's template again.
  const states = app.operation ? seen.states : seen.states.filter((s) => !isHeld(seen, s));
  const plan = syncPlan(app, states, leftovers, decision.prune);
  if (decision.selfHeal) {
    const heal = shell.heals.get(look.key);
    const attempts = heal?.revision === sha ? heal.attempts + 1 : 1;
    shell.heals.set(look.key, { revision: sha, attempts, atMs: look.nowMs });
  } else shell.heals.delete(look.key);
  // Written while the sync's dry runs go (its time is taken now; a failed Event never fails a
  // sync), not one round trip ahead of them; done before the Event that ends the sync.
  const started = shell.events.record(
    app,
    "Normal",
    Reasons.SyncStarted,
    `Sync to ${sha.slice(0, 7)} started`,
  );
  // Hooks run in every sync, not in a look that only compares.
  const run = { client: shell.kernel.client, hooks: seen.hooks, desired: states };
  const outcome: SyncOutcome =
    "refused" in plan
      ? { ok: false, message: plan.refused, resources: [] }
      : await runSyncWithHooks(run, plan).finally(() => started);
  await started;
  settleApplied(look, states, outcome);
  // Kinds this sync brought in are served now: the next look must not find them unknown.
  if (!("refused" in plan) && plan.apply.some((o) => o.awaitsCrd))
    shell.kernel.dynamicClient.discovery.invalidate();
  shell.metrics.synced(app, outcome.ok ? "Succeeded" : "Failed");
  await recordSyncEvents(look, sha, outcome);
  const operationState: ApplicationStatus["operationState"] = {
    operation: {
      sync: { revision: sha, prune: decision.prune },
      initiatedBy: app.operation?.initiatedBy ?? { automated: true },
    },
    phase: outcome.ok ? "Succeeded" : "Failed",
    message: outcome.message,
    ...(decision.retry ? { retryCount: (app.status?.operationState?.retryCount ?? 0) + 1 } : {}),
    startedAt: look.now,
    finishedAt: new Date(shell.kernel.clock.now()).toISOString(),
    syncResult: { revision: sha, resources: outcome.resources },
  };
  const next = nextRetryAt(app, operationState);
  return { outcome, operationState: next ? { ...operationState, nextRetryAt: next } : operationState };
}

/** When a failed sync will be tried again (syncPolicy.retry), as Argo CD shows it; or undefined. */
export function nextRetryAt(app: Application, state: NonNullable<ApplicationStatus["operationState"]>) {
  const policy = retryPolicyOf(app.spec?.syncPolicy?.retry);
  if (state.phase !== "Failed" || !policy || app.operation) return undefined;
  const retries = state.retryCount ?? 0;
  if (policy.limit >= 0 && retries >= policy.limit) return undefined;
  return new Date(Date.parse(state.finishedAt ?? "") + retryDelayMs(policy, retries)).toISOString();
}

/** What a sync applied is in sync: its verdicts are the server's answers (no dry run next look). */
export function settleApplied(look: Look, states: ObjectState[], outcome: SyncOutcome) {
  const rules = (look.app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  for (const { body, object } of outcome.applied ?? []) {
    const state = states.find((s) => s.body === body);
    if (state) look.shell.comparer.settle(verdictKey(look.key, state.placed), body, object, rules);
  }
}

export async function recordSyncEvents(look: Look, sha: string, outcome: SyncOutcome) {
  const { shell, app } = look;
  const short = sha.slice(0, 7);
  await shell.events.record(
    app,
    outcome.ok ? "Normal" : "Warning",
    outcome.ok ? Reasons.SyncSucceeded : Reasons.SyncFailed,
    `Sync to ${short}: ${outcome.message}`,
  );
  const pruned = outcome.resources.filter((r) => r.status === "Pruned").map((r) => `${r.kind}/${r.name}`);
  if (pruned.length > 0)
    await shell.events.record(app, "Normal", Reasons.Pruned, `Pruned ${pruned.join(", ")}`);
}
