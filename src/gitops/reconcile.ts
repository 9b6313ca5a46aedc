// One look at an Application: validate; read the source at its revision (kept until the poll, a
// refresh or an operation); place every object; compare each with live (compare.ts) and find what
// Git left behind (objects.ts); decide whether to sync (decide.ts) and run the sync (apply/sync.ts);
// then write the status — only when it changed — with per-object sync and health.
import type {
  Application,
  ApplicationSluiceStatus,
  ApplicationStatus,
  FailedRollout,
} from "../api/application.ts";
import { validateApplication } from "../api/application-validation.ts";
import { setCondition } from "../api/conditions.ts";
import type { Kernel } from "../controller/kernel.ts";
import { Applications } from "../kube/resources.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { lookResult } from "./app-status.ts";
import { runSyncWithHooks } from "./apply/hook-run.ts";
import { type Hooked, hookStatuses, nameGenerated, splitHooks } from "./apply/hooks.ts";
import { GITOPS_FIELD_MANAGER, type SyncOutcome, type ToPrune } from "./apply/sync.ts";
import type { Comparer, ObjectState } from "./compare.ts";
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
import { isDeploy, withDeploy } from "./history.ts";
import type { ManagedObjects } from "./live.ts";
import type { GitopsMetrics } from "./metrics.ts";
import {
  compareAll,
  type ObjectsContext,
  placeAll,
  pruneCandidates,
  type Typed,
  verdictKey,
} from "./objects.ts";
import { operationView, suspensionAfter } from "./operation.ts";
import { appSyncOptions, sharedObjects, syncPlan } from "./plan.ts";
import type { Rendered } from "./render/index.ts";
import { failedHealth, failedRollouts } from "./rollback-aware.ts";
import { redactURLs } from "./source/git-auth.ts";
import { ComparisonError, manifestsOf } from "./source/manifests.ts";
import type { RepoCache } from "./source/repo-cache.ts";
import { SourceCache } from "./source/source-cache.ts";

/** How old a fetch of a repository a look that is not a refresh may use. */
const FETCH_REUSE_MS = 15_000;

export const REFRESH_ANNOTATIONS = ["sluice.dev/refresh", "argocd.argoproj.io/refresh"];

export interface Shell {
  kernel: Kernel;
  cache: RepoCache;
  sources: SourceCache;
  writer: ReturnType<Kernel["statusWriter"]>;
  events: ReturnType<Kernel["events"]>;
  pollMs: number;
  live: ManagedObjects;
  comparer: Comparer;
  metrics: GitopsMetrics;
  /** Another Application of a namespace, from the informer's cache (dependsOn). */
  application: (namespace: string, name: string) => Application | undefined;
  /** Self-heals in a row per Application, at one revision. */
  heals: Map<string, { revision: string; attempts: number; atMs: number }>;
}

/** What one look works with. */
interface Look {
  shell: Shell;
  app: Application;
  key: string;
  nowMs: number;
  now: string;
}

const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

function problemsOf(app: Application, watched: string | undefined): string[] {
  const rules = (app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  const destination = app.spec?.destination?.namespace;
  // Objects outside the namespace sluice watches could be applied but never watched: no drift,
  // no self-heal, no health. Said at once instead.
  const unwatched =
    watched && destination && destination !== watched
      ? [
          {
            path: "spec.destination.namespace",
            message: `sluice watches only namespace "${watched}" (--namespace)`,
          },
        ]
      : [];
  return [...validateApplication(app), ...ignoreProblems(rules), ...unwatched].map(
    (p) => `${p.path}: ${p.message}`,
  );
}

/** The status with the error conditions this look decides on set or cleared. */
function conditionsOf(look: Look, ...set: ({ type: string; message: string } | undefined)[]) {
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
    const reuse = refresh ? 0 : Math.min(FETCH_REUSE_MS, shell.pollMs);
    const reading = await manifestsOf(shell.cache, app, shell.sources, reuse);
    shell.sources.remember(key, { ...reading, at: look.nowMs });
    return { ...reading, fresh: true };
  } catch (error) {
    if (error instanceof ComparisonError)
      shell.sources.remember(key, { error: error.message, at: look.nowMs });
    throw error;
  }
}

/** A Rollout whose template failed at this revision: automation leaves it alone (rollback-aware). */
const isHeld = (seen: Observed, s: ObjectState) =>
  s.placed.object.kind === "Rollout" && seen.held.has(s.placed.object.metadata?.name ?? "");

function decide(look: Look, seen: Observed): SyncDecision {
  const { app, shell } = look;
  const { sha, leftovers } = seen;
  const states = seen.states.filter((s) => !isHeld(seen, s));
  // A rollback suspended automated sync until the user resumes it (recorded in status).
  const automated = app.status?.sluice?.automationSuspended ? undefined : app.spec?.syncPolicy?.automated;
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

async function syncNow(look: Look, decision: Extract<SyncDecision, { action: "sync" }>, seen: Observed) {
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
  await shell.events.record(app, "Normal", Reasons.SyncStarted, `Sync to ${sha.slice(0, 7)} started`);
  // Hooks run in every sync, not in a look that only compares.
  const run = { client: shell.kernel.client, hooks: seen.hooks, desired: states };
  const outcome: SyncOutcome =
    "refused" in plan
      ? { ok: false, message: plan.refused, resources: [] }
      : await runSyncWithHooks(run, plan);
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
function nextRetryAt(app: Application, state: NonNullable<ApplicationStatus["operationState"]>) {
  const policy = retryPolicyOf(app.spec?.syncPolicy?.retry);
  if (state.phase !== "Failed" || !policy || app.operation) return undefined;
  const retries = state.retryCount ?? 0;
  if (policy.limit >= 0 && retries >= policy.limit) return undefined;
  return new Date(Date.parse(state.finishedAt ?? "") + retryDelayMs(policy, retries)).toISOString();
}

/** What a sync applied is in sync: its verdicts are the server's answers (no dry run next look). */
function settleApplied(look: Look, states: ObjectState[], outcome: SyncOutcome) {
  const rules = (look.app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  for (const { body, object } of outcome.applied ?? []) {
    const state = states.find((s) => s.body === body);
    if (state) look.shell.comparer.settle(verdictKey(look.key, state.placed), body, object, rules);
  }
}

async function recordSyncEvents(look: Look, sha: string, outcome: SyncOutcome) {
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

interface Observed {
  sha: string;
  fresh: boolean;
  states: ObjectState[];
  leftovers: ToPrune[];
  /** Rollouts aborted at this revision, and their names (held back from automation). */
  failed: FailedRollout[];
  held: Set<string>;
  /** dependsOn: the Applications not Synced and Healthy yet (none: free to sync). */
  waitingFor: string[];
  /** Sync hooks: run by a sync, never compared or pruned. */
  hooks: Hooked<Typed>[];
}

type CannotCompare = { type: "InvalidSpecError" | "ComparisonError"; message: string };

/** Reads the source, places and compares every object: what this look sees, or why it cannot. */
async function observe(look: Look): Promise<Observed | CannotCompare> {
  const { shell, app, key } = look;
  const problems = problemsOf(app, shell.kernel.namespace);
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

/** sluice's own status: automation suspended by a rollback, failed Rollouts, dependsOn. */
function sluiceStatusAfter(
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
function dependenciesAfter(app: Application, waitingFor: string[], now: string) {
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
function sharedWarning(app: Application, states: ObjectState[]) {
  const shared = sharedObjects(app, states);
  return shared.length > 0
    ? { type: "SharedResourceWarning", message: `also tracked by another Application: ${shared.join(", ")}` }
    : undefined;
}

/** The source as status records it: a password written into the repository URL is not copied. */
function comparedSource(app: Application) {
  const source = app.spec?.source ?? {};
  return source.repoURL ? { ...source, repoURL: redactURLs(source.repoURL) } : source;
}

/** The history after this look: a successful sync that deploys something new is recorded. */
function historyAfter(look: Look, sha: string, synced: Awaited<ReturnType<typeof syncNow>> | undefined) {
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

function statusAfter(
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
