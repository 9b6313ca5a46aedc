// One look at an Application: validate; read the source at its revision (kept until the poll, a
// refresh or an operation); place every object; compare each with live (compare.ts) and find what
// Git left behind (objects.ts); decide whether to sync (decide.ts) and run the sync (apply/sync.ts);
// then write the status — only when it changed — with per-object sync and health.

import type { Application, ApplicationStatus } from "../api/application.ts";
import { validateApplication } from "../api/application-validation.ts";
import { Applications } from "../kube/resources.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { nameGenerated, splitHooks } from "./apply/hooks.ts";
import { GITOPS_FIELD_MANAGER } from "./apply/sync.ts";
import {
  decideSync,
  HEAL_BACKOFF_CAP_MS,
  healDelayMs,
  retryDelayMs,
  retryPolicyOf,
  type SyncDecision,
} from "./decide.ts";
import { dependencyState } from "./depends.ts";
import { type IgnoreRule, ignoreProblems } from "./diff/index.ts";
import { type CannotCompare, isHeld, type Look, type Observed, type Shell } from "./look.ts";
import { conditionsOf, statusAfter } from "./look-status.ts";
import { compareAll, type ObjectsContext, placeAll, pruneCandidates } from "./objects.ts";
import { operationView, RESUME_ANNOTATION } from "./operation.ts";
import { appSyncOptions } from "./plan.ts";
import type { Rendered } from "./render/index.ts";
import { failedRollouts } from "./rollback-aware.ts";
import { ComparisonError, manifestsOf } from "./source/manifests.ts";
import { SourceCache } from "./source/source-cache.ts";
import { syncNow } from "./sync-run.ts";

/** How old a fetch of a repository a look that is not a refresh may use. */
const FETCH_REUSE_MS = 15_000;

const SLUICE_REFRESH = "sluice.dev/refresh";
const ARGOCD_REFRESH = "argocd.argoproj.io/refresh";
export const REFRESH_ANNOTATIONS = [SLUICE_REFRESH, ARGOCD_REFRESH];

const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

function problemsOf(app: Application, destinations: Shell["destinations"]): string[] {
  const rules = (app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  const destination = app.spec?.destination?.namespace;
  // Objects outside the namespaces sluice watches (and, in a namespaced install, may write) could
  // not be watched, or not even applied: no drift, no self-heal, no health. Said at once instead.
  const elsewhere =
    destinations && destination && !destinations.namespaces.includes(destination)
      ? [
          {
            path: "spec.destination.namespace",
            message:
              destinations.flag === "--namespace"
                ? `sluice watches only namespace "${destinations.namespaces[0]}" (--namespace)`
                : `sluice deploys only into ${destinations.namespaces.map((n) => `"${n}"`).join(", ")} (--destination-namespaces)`,
          },
        ]
      : [];
  return [...validateApplication(app), ...ignoreProblems(rules), ...elsewhere].map(
    (p) => `${p.path}: ${p.message}`,
  );
}

/** An operation that cannot start (a rollback to a history id that is not there): Failed, cleared. */
async function operationFailed(look: Look, message: string) {
  const { shell, app } = look;
  await shell.events.record(app, "Warning", Reasons.SyncFailed, message);
  await shell.writer.write(Applications, app, {
    ...app.status,
    operationState: {
      ...(app.operation ? { operation: app.operation } : {}),
      phase: "Failed",
      message,
      startedAt: look.now,
      finishedAt: look.now,
    },
  });
  const ref = { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" };
  await shell.kernel.client.mergePatch(Applications, ref, { operation: null }, GITOPS_FIELD_MANAGER);
  return undefined;
}

/** A look that cannot compare: the condition (one Event per new message), sync Unknown. */
async function cannotCompare(look: Look, type: "InvalidSpecError" | "ComparisonError", message: string) {
  const { shell, app } = look;
  if (!app.status?.conditions?.some((c) => c.type === type && c.message === message))
    await shell.events.record(
      app,
      "Warning",
      type === "InvalidSpecError" ? Reasons.InvalidSpec : Reasons.ComparisonError,
      message,
    );
  const status: ApplicationStatus = {
    ...app.status,
    conditions: conditionsOf(look, { type, message }),
    sync: { status: "Unknown" },
    reconciledAt: look.now,
    observedGeneration: app.metadata?.generation ?? 0,
  };
  await shell.writer.write(Applications, app, status);
  shell.metrics.application({ ...app, status });
  return type === "InvalidSpecError" ? undefined : { requeueAfterMs: jittered(shell.pollMs) };
}

/**
 * Since when a fetch may be shared by a refresh (a performance.now() instant). A webhook's refresh
 * (sluice.dev/refresh, one value per delivery) may share any fetch that started after this process
 * first saw that value: the annotation was written after the push reached the receiver, so such a
 * fetch has the pushed commit, and the Applications one push refreshes fetch their repository
 * once, not once each. Any other refresh (Argo CD's annotation, an operation) fetches anew.
 */
function refreshFetchSince(shell: Look["shell"], app: Application): number | undefined {
  const annotations = app.metadata?.annotations ?? {};
  const value = annotations[SLUICE_REFRESH];
  if (app.operation !== undefined || value === undefined || annotations[ARGOCD_REFRESH] !== undefined)
    return undefined;
  return shell.sources.refreshSeenAt(value);
}

/** The source's objects: the last reading unless this look is a refresh or the poll is due. */
async function readSource(look: Look): Promise<{ sha: string; rendered: Rendered[]; fresh: boolean }> {
  const { shell, app } = look;
  const key = SourceCache.keyOf(app);
  const refresh =
    app.operation !== undefined || REFRESH_ANNOTATIONS.some((a) => app.metadata?.annotations?.[a]);
  const kept = refresh ? undefined : shell.sources.fresh(key, look.nowMs, shell.pollMs);
  // A reading that failed is kept too: until the next poll or refresh, a look says the same
  // error rather than falling back to an older reading that Git has moved past.
  if (kept && "error" in kept) throw new ComparisonError(kept.error);
  if (kept) return { ...kept, fresh: false };
  try {
    // A refresh reads Git now; a poll or a first look may share a fetch made moments ago.
    const since = refresh
      ? refreshFetchSince(shell, app)
      : performance.now() - Math.min(FETCH_REUSE_MS, shell.pollMs);
    const reading = await manifestsOf(shell.cache, app, shell.sources, since);
    shell.sources.remember(key, { ...reading, at: look.nowMs });
    return { ...reading, fresh: true };
  } catch (error) {
    if (error instanceof ComparisonError)
      shell.sources.remember(key, { error: error.message, at: look.nowMs });
    throw error;
  }
}

function decide(look: Look, seen: Observed): SyncDecision {
  const { app, shell } = look;
  const { sha, leftovers } = seen;
  const states = seen.states.filter((s) => !isHeld(seen, s));
  // A rollback suspended automated sync until the user resumes it (recorded in status); the look
  // that sees the resume annotation syncs at once (its removal is no reason for another look).
  const resumed = app.metadata?.annotations?.[RESUME_ANNOTATION] !== undefined;
  const suspended = app.status?.sluice?.automationSuspended && !resumed;
  const automated = suspended ? undefined : app.spec?.syncPolicy?.automated;
  const last = app.status?.operationState;
  const heal = shell.heals.get(look.key);
  const healing = heal && heal.revision === sha && look.nowMs - heal.atMs < HEAL_BACKOFF_CAP_MS * 2;
  return decideSync({
    operation: app.operation?.sync ?? (app.operation ? {} : undefined),
    automated,
    revision: sha,
    // Objects only waiting for a prune the policy does not allow are no reason to sync (Argo CD).
    outOfSync:
      states.some((s) => s.status === "OutOfSync") || (automated?.prune === true && leftovers.length > 0),
    desiredCount: states.length,
    pruneCount: leftovers.length,
    last: {
      revision: last?.syncResult?.revision,
      phase: last?.phase,
      finishedAtMs: last?.finishedAt ? Date.parse(last.finishedAt) : undefined,
      retryCount: last?.retryCount,
    },
    retry: retryPolicyOf(app.spec?.syncPolicy?.retry),
    healAttempts: healing ? heal.attempts : 0,
    nowMs: look.nowMs,
  });
}

/** Events on transitions a user alerts on: OutOfSync, health Degraded. */
async function recordTransitions(look: Look, status: ApplicationStatus) {
  const { shell, app } = look;
  if (status.sync?.status === "OutOfSync" && app.status?.sync?.status === "Synced") {
    const drifted = (status.resources ?? [])
      .filter((r) => r.status === "OutOfSync")
      .map((r) => `${r.kind}/${r.name}`);
    await shell.events.record(
      app,
      "Normal",
      Reasons.OutOfSync,
      `Out of sync with Git: ${drifted.join(", ")}`,
    );
  }
  if (status.health?.status === "Degraded" && app.status?.health?.status !== "Degraded")
    await shell.events.record(app, "Warning", Reasons.HealthDegraded, status.health.message ?? "Degraded");
}

/** Reads the source, places and compares every object: what this look sees, or why it cannot. */
async function observe(look: Look): Promise<Observed | CannotCompare> {
  const { shell, app, key } = look;
  const problems = problemsOf(app, shell.destinations);
  if (problems.length > 0) return { type: "InvalidSpecError", message: problems.join("; ") };
  let reading: Awaited<ReturnType<typeof readSource>>;
  try {
    reading = await readSource(look);
  } catch (error) {
    if (!(error instanceof ComparisonError)) throw error;
    return { type: "ComparisonError", message: error.message };
  }
  const ctx: ObjectsContext = {
    app,
    key,
    discovery: shell.kernel.dynamicClient.discovery,
    live: shell.live,
    comparer: shell.comparer,
  };
  const rendered = nameGenerated(reading.rendered, reading.sha, look.nowMs);
  const { ordered, refused } = await placeAll(ctx, rendered);
  if (refused.length > 0) return { type: "ComparisonError", message: refused.join("; ") };
  const rules = (app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  const respect = appSyncOptions(app).includes("RespectIgnoreDifferences=true");
  const { ordinary, hooks } = splitHooks(ordered);
  const states = await compareAll(ctx, ordinary, rules, respect);
  const leftovers = await pruneCandidates(
    ctx,
    ordered.map((o) => o.placed),
  );
  const last = app.status?.operationState;
  const failed = failedRollouts(
    app.status?.sluice?.failedRollouts,
    states
      .filter((st) => st.placed.object.kind === "Rollout")
      .map((st) => ({ name: st.placed.object.metadata?.name ?? "", group: st.placed.group, live: st.live })),
    reading.sha,
    last?.phase === "Succeeded" ? last.syncResult?.revision : undefined,
    look.now,
  );
  const held = new Set(failed.map((f) => f.rollout));
  return { sha: reading.sha, fresh: reading.fresh, states, leftovers, failed, held, hooks, waitingFor: [] };
}

export async function reconcileApp(shell: Shell, asked: Application, key: string) {
  const nowMs = shell.kernel.clock.now();
  const view = operationView(asked);
  const look: Look = {
    shell,
    app: "app" in view ? view.app : asked,
    key,
    nowMs,
    now: new Date(nowMs).toISOString(),
  };
  if ("error" in view) return operationFailed(look, view.error);
  const app = look.app;
  const deps = dependencyState(app, (name) => shell.application(app.metadata?.namespace ?? "", name));
  if ("cycle" in deps)
    return cannotCompare(look, "InvalidSpecError", `spec.dependsOn: a cycle ${deps.cycle.join(" → ")}`);
  const observed = await observe(look);
  if ("type" in observed) return cannotCompare(look, observed.type, observed.message);
  const seen = { ...observed, waitingFor: "waiting" in deps ? deps.waiting : [] };
  // Nothing syncs — not even an operation, which stays asked for — until dependencies are ready.
  const decision: SyncDecision =
    seen.waitingFor.length > 0
      ? { action: "none", reason: `waiting for ${seen.waitingFor.join(", ")}` }
      : decide(look, seen);
  const synced = decision.action === "sync" ? await syncNow(look, decision, seen) : undefined;
  const status = statusAfter(look, seen, decision, synced);
  if (decision.action === "refuse" && !app.status?.conditions?.some((c) => c.message === decision.message))
    await shell.events.record(app, "Warning", Reasons.SyncError, decision.message);
  await recordTransitions(look, status);
  await shell.writer.write(Applications, app, status);
  shell.metrics.application({ ...app, status });
  // As Argo CD: the operation is done once its state is recorded (status first: this patch moves
  // the object's resourceVersion, which the status write is conditional on).
  if (app.operation && synced) {
    const ref = { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" };
    await shell.kernel.client.mergePatch(Applications, ref, { operation: null }, GITOPS_FIELD_MANAGER);
  }
  return { requeueAfterMs: nextLookMs(look, decision, synced?.operationState) };
}

/** When to look again without an event: a backoff that ends, a failed sync's retry, else the poll. */
function nextLookMs(look: Look, decision: SyncDecision, state: ApplicationStatus["operationState"]): number {
  const poll = jittered(look.shell.pollMs);
  if (decision.action === "wait") return Math.min(decision.afterMs, poll);
  if (state?.phase !== "Failed") return poll;
  const retry = retryPolicyOf(look.app.spec?.syncPolicy?.retry);
  if (retry) {
    const retries = state.retryCount ?? 0;
    if (retry.limit >= 0 && retries >= retry.limit) return poll;
    return Math.min(retryDelayMs(retry, retries), poll);
  }
  // selfHeal tries a failed sync again after its own backoff.
  if (look.app.spec?.syncPolicy?.automated?.selfHeal) {
    const heal = look.shell.heals.get(look.key);
    return Math.min(healDelayMs(heal?.attempts ?? 0), poll);
  }
  return poll;
}
