// The Application's status after a look (pure but for the clock in the look): conditions, sync
// and health, resources, history, and sluice's own status (rollback suspension, failed Rollouts,
// dependsOn).

import type { Application, ApplicationSluiceStatus, ApplicationStatus } from "../api/application.ts";
import { setCondition } from "../api/conditions.ts";
import { lookResult } from "./app-status.ts";
import { hookStatuses } from "./apply/hooks.ts";
import type { ObjectState } from "./compare.ts";
import type { SyncDecision } from "./decide.ts";
import { isDeploy, withDeploy } from "./history.ts";
import type { Look, Observed } from "./look.ts";
import { suspensionAfter } from "./operation.ts";
import { sharedObjects } from "./plan.ts";
import { failedHealth } from "./rollback-aware.ts";
import { redactURLs } from "./source/git-auth.ts";
import type { syncNow } from "./sync-run.ts";

/** The status with the error conditions this look decides on set or cleared. */
export function conditionsOf(look: Look, ...set: ({ type: string; message: string } | undefined)[]) {
  let conditions = (look.app.status?.conditions ?? []).filter(
    (c) => !["ComparisonError", "InvalidSpecError", "SyncError", "SharedResourceWarning"].includes(c.type),
  );
  for (const condition of set)
    if (condition)
      conditions = setCondition(
        conditions,
        { type: condition.type, status: "True", reason: condition.type, message: condition.message },
        look.now,
      );
  return conditions;
}

/** sluice's own status: automation suspended by a rollback, failed Rollouts, dependsOn. */
export function sluiceStatusAfter(
  look: Look,
  seen: Observed,
  synced: Awaited<ReturnType<typeof syncNow>> | undefined,
): ApplicationSluiceStatus {
  const suspended = suspensionAfter(look.app, synced?.outcome, look.now);
  const dependencies = dependenciesAfter(look.app, seen.waitingFor, look.now);
  return {
    ...(suspended ? { automationSuspended: suspended } : {}),
    ...(seen.failed.length > 0 ? { failedRollouts: seen.failed } : {}),
    ...(dependencies ? { dependencies } : {}),
  };
}

/** dependsOn in status: what is waited for and since when, or when the wait was last satisfied. */
export function dependenciesAfter(app: Application, waitingFor: string[], now: string) {
  if (!app.spec?.dependsOn?.length) return undefined;
  const previous = app.status?.sluice?.dependencies;
  const since = previous?.waitingSince ?? now;
  if (waitingFor.length > 0) return { waitingFor, waitingSince: previous?.waitingFor ? since : now };
  return {
    ...(previous?.waitingSince ? { waitingSince: previous.waitingSince } : {}),
    satisfiedAt: previous?.satisfiedAt && !previous.waitingFor ? previous.satisfiedAt : now,
  };
}

/** Argo CD's SharedResourceWarning: objects another Application tracks too. */
export function sharedWarning(app: Application, states: ObjectState[]) {
  const shared = sharedObjects(app, states);
  return shared.length > 0
    ? { type: "SharedResourceWarning", message: `also tracked by another Application: ${shared.join(", ")}` }
    : undefined;
}

/** The source as status records it: a password written into the repository URL is not copied. */
export function comparedSource(app: Application) {
  const source = app.spec?.source ?? {};
  return source.repoURL ? { ...source, repoURL: redactURLs(source.repoURL) } : source;
}

/** The history after this look: a successful sync that deploys something new is recorded. */
export function historyAfter(
  look: Look,
  sha: string,
  synced: Awaited<ReturnType<typeof syncNow>> | undefined,
) {
  const { app } = look;
  const state = synced?.operationState;
  if (!synced?.outcome.ok || !state || !isDeploy(app.status?.history, sha, app.operation !== undefined))
    return app.status?.history;
  return withDeploy(
    app.status?.history,
    {
      revision: sha,
      ...(state.startedAt ? { deployStartedAt: state.startedAt } : {}),
      deployedAt: state.finishedAt ?? look.now,
      source: comparedSource(app),
      initiatedBy: app.operation?.initiatedBy ?? { automated: true },
    },
    app.spec?.revisionHistoryLimit,
  );
}

export function statusAfter(
  look: Look,
  seen: Observed,
  decision: SyncDecision,
  synced: Awaited<ReturnType<typeof syncNow>> | undefined,
): ApplicationStatus {
  const { app } = look;
  const result = lookResult(seen.states, seen.leftovers, synced?.outcome);
  for (const r of result.resources)
    if (r.kind === "Rollout" && seen.held.has(r.name) && r.status === "OutOfSync")
      r.message = `held back: its template failed at revision ${seen.sha.slice(0, 7)}; waiting for a new commit`;
  const refused = decision.action === "refuse" ? { type: "SyncError", message: decision.message } : undefined;
  const sluice = sluiceStatusAfter(look, seen, synced);
  const history = historyAfter(look, seen.sha, synced);
  return {
    ...app.status,
    ...(history ? { history } : {}),
    sluice,
    conditions: conditionsOf(look, refused, sharedWarning(app, seen.states)),
    sync: {
      status: result.sync,
      revision: seen.sha,
      comparedTo: { source: comparedSource(app), destination: app.spec?.destination ?? {} },
    },
    health: failedHealth(seen.failed) ?? result.health,
    resources: [...result.resources, ...hookStatuses(seen.hooks)],
    ...(synced ? { operationState: synced.operationState } : {}),
    // The last time Git was read (Argo CD's: the last comparison with the latest revision).
    reconciledAt: seen.fresh || !app.status?.reconciledAt ? look.now : app.status.reconciledAt,
    observedGeneration: app.metadata?.generation ?? 0,
  };
}
