// One Rollout reconcile planned from its frozen context (DESIGN.md §3): the strategy (canary or
// blue/green) steps its machine and says what the new state means for ReplicaSets, Services and
// AnalysisRuns; this skeleton adds what both do alike — status counters, conditions, phase, the
// progress deadline, the runs to make, Events and wake-ups. Pure; the controller executes the
// plan in a fixed order and never edits it.
import type { AnalysisRun } from "../api/analysis.ts";
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import { selectorString } from "../api/selector.ts";
import type { Notice } from "../strategy/canary.machine.ts";
import type { Reason } from "../telemetry/reasons.ts";
import { Reasons } from "../telemetry/reasons.ts";
import type { RoutingWrite } from "../trafficrouting/router.ts";
import { type RunHousekeeping, runHousekeeping } from "./analysis-history.ts";
import { blueGreenStrategy } from "./bluegreen.ts";
import { canaryStrategy } from "./canary.ts";
import { computePhase } from "./conditions.ts";
import { plainContext, type RolloutContext } from "./context.ts";
import { type MetadataChange, metadataChanges } from "./ephemeral-metadata.ts";
import { missingTemplateCondition } from "./missing-templates.ts";
import type { ObservedRun, WantedRun } from "./rollout-analysis.ts";
import {
  deadlineCounts,
  PROGRESS_REASONS,
  progressDeadlineExceeded,
  rolloutConditions,
  withAvailability,
  withHealthy,
} from "./rollout-conditions.ts";
import { type MissingTemplate, planRuns, type RunActions } from "./run-plan.ts";
import type { RunVerdict } from "./run-verdicts.ts";
import type { Restored, Sizing, Strategy, StrategyDecision } from "./strategy.ts";
import { historyToPrune, type ReplicaSet, replicaCounters, revisionOf } from "./world.ts";

/** An Event the plan records on the Rollout; `log` also makes it a log line (warnings). */
export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: Reason;
  message: string;
  log?: Record<string, unknown>;
}

export interface RolloutPlan extends Sizing {
  state: string;
  notices: Notice[];
  services: Map<string, string>;
  /** What traffic routers need written, in the routers' order (before any scaling). */
  routing: RoutingWrite[];
  /** ReplicaSets (and their pods) whose ephemeral metadata changes with their role. */
  metadata: MetadataChange[];
  /** Scaled-down old ReplicaSets beyond revisionHistoryLimit, oldest first. */
  prune: string[];
  /** AnalysisRuns that must exist (made when missing); runs of the attempt in progress. */
  runs: WantedRun[];
  keepRuns: string[];
  /** Runs to make now, runs to delete to make way for fresh ones, housekeeping of the rest. */
  createRuns: AnalysisRun[];
  replaceRuns: string[];
  housekeeping: RunHousekeeping;
  /** Wanted runs whose templates must be looked up before they can be made (plan again after). */
  lookups: WantedRun[];
  /** Completed runs this reconcile saw for the first time (for Events). */
  verdicts: RunVerdict[];
  events: PlannedEvent[];
  status: RolloutStatus;
  requeueAfterMs?: number;
}

/** A wanted run whose analysis cannot start: the rollout aborts, as a failed analysis would. */
interface Refusal {
  wanted: WantedRun;
  reason: string;
}

export function planRollout(context: RolloutContext): RolloutPlan {
  return context.rollout.spec?.strategy?.blueGreen
    ? planBy(blueGreenStrategy, context)
    : planBy(canaryStrategy, context);
}

/**
 * A run that cannot start makes the rollout abort: planned again with the abort, so all agrees.
 * Not in the look that starts an update (its reset would wipe the abort): the refused run is not
 * made, and the next look, on the update, aborts.
 */
function planBy<R extends Restored>(strategy: Strategy<R>, context: RolloutContext): RolloutPlan {
  const first = planWith(strategy, context, undefined);
  const startsUpdate = first.plan.notices.includes("RolloutUpdated");
  return first.refused && !startsUpdate ? planWith(strategy, context, first.refused).plan : first.plan;
}

/** A plan from a Rollout and its ReplicaSets alone (tests and tools; the controller builds a full context). */
export function planOf(
  rollout: Rollout,
  replicaSets: ReplicaSet[],
  templateHash: string,
  now: number,
  runs?: (name: string) => ObservedRun | undefined,
): RolloutPlan {
  return planRollout(plainContext(rollout, replicaSets, templateHash, now, runs));
}

function planWith<R extends Restored>(
  strategy: Strategy<R>,
  context: RolloutContext,
  refusal: Refusal | undefined,
): { plan: RolloutPlan; refused?: Refusal | undefined } {
  const { rollout, now } = context;
  const spec = rollout.spec ?? {};
  const previous = rollout.status ?? {};
  const deadlineMs = (spec.progressDeadlineSeconds ?? RolloutDefaults.progressDeadlineSeconds) * 1000;
  const restored = strategy.restore(context);
  // Past progressDeadlineSeconds without progress: Degraded, and with progressDeadlineAbort an
  // abort the machine acts on now, as if the user had asked for it.
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  const modeBefore = withAvailability(restored.mode, previous.availableReplicas ?? 0, replicas);
  const timedOut = progressDeadlineExceeded(modeBefore, previous.conditions ?? [], now, deadlineMs);
  // A promoted rollout short of pods has nothing to abort to: it only goes Degraded.
  const deadlineAbort = timedOut && spec.progressDeadlineAbort === true && modeBefore === "progressing";
  const abort = refusal !== undefined || deadlineAbort;
  const decided = strategy.decide(context, restored, abort);
  const status = assembleStatus(context, decided, timedOut);
  const decision = { ...decided, mode: modeAfter(decided, status, replicas) };
  const revision = updateRevision(context, decision);
  const actions = planRuns(context, decision.runs.wanted, status.stableRS ?? decision.currentHash, revision);
  const events = plannedEvents(decision, refusal, actions, pauseTransition(rollout.status, status));
  if (actions.missing.length > 0) noteMissingTemplates(rollout, status, events, actions.missing, now);
  Object.assign(status, computePhase(spec, status));
  status.conditions = withHealthy(status.conditions ?? [], status.phase, now);
  const plan: RolloutPlan = {
    ...decision.sizing,
    state: decision.state,
    notices: decision.notices,
    services: decision.services,
    routing: decision.routing ?? [],
    metadata: metadataChanges(
      { ...rollout, status },
      context.replicaSets,
      [decision.currentHash, status.stableRS].filter((h): h is string => h !== undefined),
    ),
    prune: historyToPrune(decision.others, spec.revisionHistoryLimit ?? RolloutDefaults.revisionHistoryLimit),
    runs: decision.runs.wanted,
    keepRuns: decision.runs.keep,
    createRuns: actions.create,
    replaceRuns: actions.replace,
    housekeeping: runHousekeeping(rollout, [...context.ownedRuns], decision.runs.keep),
    lookups: actions.lookups,
    verdicts: decision.runs.verdicts,
    events,
    status,
  };
  const wake = wakeUps(context, decision, status, actions, deadlineMs);
  if (wake !== undefined) plan.requeueAfterMs = wake;
  return { plan, refused: refusal ? undefined : actions.refused };
}

/** Runs wait for their templates: a condition says so, and a Warning Event when that is news. */
function noteMissingTemplates(
  rollout: Rollout,
  status: RolloutStatus,
  events: PlannedEvent[],
  missing: MissingTemplate[],
  now: number,
): void {
  const waiting = missingTemplateCondition(rollout, status.conditions ?? [], missing, now);
  status.conditions = waiting.conditions;
  if (waiting.changed)
    events.push({
      type: "Warning",
      reason: Reasons.AnalysisTemplateNotFound,
      message: waiting.message,
      log: { msg: "AnalysisRun waits for its template", waiting: missing },
    });
}

/** The update's revision: its ReplicaSet's, or the one that ReplicaSet will get when made. */
const updateRevision = (context: RolloutContext, decision: StrategyDecision) =>
  decision.newRS ? revisionOf(decision.newRS) : Math.max(0, ...context.replicaSets.map(revisionOf)) + 1;

/** The strategy's mode, seen with the availability the status now reports. */
const modeAfter = (decision: StrategyDecision, status: RolloutStatus, replicas: number) =>
  withAvailability(decision.mode, status.availableReplicas ?? 0, replicas);

/** The strategy's status fields plus what every Rollout reports: counters, generation, conditions. */
function assembleStatus(context: RolloutContext, decision: StrategyDecision, timedOut: boolean) {
  const { rollout, now } = context;
  const spec = rollout.spec ?? {};
  const previous = rollout.status ?? {};
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  const counters = replicaCounters([...context.replicaSets], decision.newRS);
  const status: RolloutStatus = { ...decision.status, ...counters };
  status.observedGeneration = rollout.metadata?.generation ?? 0;
  status.HPAReplicas = counters.replicas;
  status.selector = spec.selector ? selectorString(spec.selector) : "";
  if (decision.serving) countServingOnly(status, decision.serving);
  status.sluice = { ...status.sluice, machine: decision.machine };
  if (context.restart === "done" && spec.restartAt !== undefined) status.restartedAt = spec.restartAt;
  const { sizing } = decision;
  const progressed =
    decision.moved ||
    sizing.scale.size > 0 ||
    sizing.createNew !== undefined ||
    status.availableReplicas !== previous.availableReplicas ||
    status.updatedReplicas !== previous.updatedReplicas;
  status.conditions = rolloutConditions(status, {
    mode: modeAfter(decision, status, spec.replicas ?? RolloutDefaults.replicas),
    replicas,
    now,
    progressed,
    timedOut: timedOut && !progressed,
    newReplicaSetName: decision.newRS?.metadata?.name ?? `${rollout.metadata?.name}-${decision.currentHash}`,
    revision: updateRevision(context, decision),
  });
  return status;
}

/** The scale subresource and available/ready replicas are the serving ReplicaSet's alone. */
function countServingOnly(status: RolloutStatus, serving: ReplicaSet): void {
  status.HPAReplicas = serving.status?.replicas ?? 0;
  status.selector = selectorString(serving.spec?.selector ?? {});
  status.availableReplicas = serving.status?.availableReplicas ?? 0;
  status.readyReplicas = serving.status?.readyReplicas ?? 0;
}

/**
 * The peer's Events for a pause: whenever status.pauseConditions go from none to some,
 * RolloutPaused naming the first one's reason (a canary pause step included); from some to none,
 * RolloutResumed, unless an abort cleared them.
 */
export function pauseTransition(
  previous: RolloutStatus | undefined,
  next: RolloutStatus,
): PlannedEvent | undefined {
  const wasPaused = (previous?.pauseConditions?.length ?? 0) > 0;
  const first = next.pauseConditions?.[0];
  if (wasPaused === (first !== undefined)) return undefined;
  if (first)
    return { type: "Normal", reason: Reasons.RolloutPaused, message: `Rollout is paused (${first.reason})` };
  if (next.abort) return undefined;
  return { type: "Normal", reason: Reasons.RolloutResumed, message: "Rollout is resumed" };
}

function plannedEvents(
  decision: StrategyDecision,
  refusal: Refusal | undefined,
  actions: RunActions,
  pause: PlannedEvent | undefined,
): PlannedEvent[] {
  const events: PlannedEvent[] = pause ? [pause] : [];
  if (refusal) {
    const { wanted, reason } = refusal;
    events.push({
      type: "Warning",
      reason: Reasons.RolloutAborted,
      message: `${wanted.kind} analysis ${wanted.name}: ${reason}`,
      log: { msg: "cannot create the AnalysisRun; aborting", run: wanted.name, err: reason },
    });
  }
  // Not ours (left by a Rollout of the same name deleted with --cascade=orphan?): never judged by,
  // never overwritten; said, and looked at again later.
  for (const name of actions.conflicts)
    events.push({
      type: "Warning",
      reason: Reasons.AnalysisRunConflict,
      message: `AnalysisRun ${name} exists and is not controlled by this Rollout; delete it to go on`,
    });
  for (const verdict of decision.runs.verdicts)
    events.push({
      type: verdict.phase === "Successful" ? "Normal" : "Warning",
      reason: Reasons[`AnalysisRun${verdict.phase}`],
      message: verdict.message,
      log: { msg: verdict.message, run: verdict.name, phase: verdict.phase },
    });
  // A machine's own RolloutPaused/RolloutResumed (a user's pause, promote --full) unless the
  // pause conditions already told it.
  for (const notice of decision.notices.filter((n) => n !== pause?.reason))
    events.push({
      type: "Normal",
      reason: Reasons[notice],
      message: `${notice}: step ${decision.status.currentStepIndex ?? 0}, pod-template-hash ${decision.status.currentPodHash ?? ""}`,
    });
  return events;
}

/** The soonest time another look is due, in ms from now. */
function wakeUps(
  context: RolloutContext,
  decision: StrategyDecision,
  status: RolloutStatus,
  actions: RunActions,
  deadlineMs: number,
): number | undefined {
  const { now } = context;
  const due = [...decision.wakeUps];
  // A transient state (pause just added, step just advanced) needs one more look right away.
  if (decision.moved || decision.notices.length > 0) due.push(0);
  // The progress deadline passes without any event: look then, so Degraded is not late.
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing && deadlineCounts(decision.mode) && PROGRESS_REASONS.includes(progressing.reason ?? ""))
    due.push(Date.parse(progressing.lastUpdateTime ?? "") + deadlineMs - now + 1);
  if (context.restart === "evicting") due.push(1000);
  // A template may arrive at any time (no watch on templates); a conflicting run may be removed.
  if (actions.missing.length > 0) due.push(10_000);
  if (actions.conflicts.length > 0) due.push(20_000);
  // A non-finite time (from an unreadable date) never becomes a requeue: it would spin.
  const finite = due.filter(Number.isFinite);
  return finite.length === 0 ? undefined : Math.max(0, Math.min(...finite));
}
