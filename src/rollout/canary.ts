// Plans one reconcile of a canary Rollout without a traffic router: step the strategy machine with
// what was observed, then derive the ReplicaSet scales, Service selectors and status the new state
// calls for. Pure (no I/O; `now` is an input), so the whole decision is unit-testable; the
// controller applies the plan idempotently.
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import { selectorString } from "../api/selector.ts";
import {
  backgroundActive,
  CANARY_MACHINE_VERSION,
  type CanaryContext,
  type CanaryStateValue,
  type Notice,
} from "../strategy/canary.machine.ts";
import {
  contextFromStatus,
  resolveStoredState,
  statusFromContext,
  stepCanary,
  stepSpecs,
} from "../strategy/canary.state.ts";
import { canaryWeight, pauseDeadline } from "../strategy/canary.weights.ts";
import { computePhase } from "./conditions.ts";
import { nearestSplit, nextBasicCanaryScale, resolveIntOrPercent } from "./replicas.ts";
import {
  analysisRunName,
  type ObservedRun,
  type RunLookup,
  runStatusOf,
  type WantedRun,
} from "./rollout-analysis.ts";
import { canaryMode, progressDeadlineExceeded, rolloutConditions } from "./rollout-conditions.ts";
import { type RunVerdict, runVerdicts } from "./run-verdicts.ts";
import {
  availableOf,
  fullyAvailable,
  historyToPrune,
  type ReplicaSet,
  replicaCounters,
  revisionOf,
  sortReplicaSets,
  specReplicas,
} from "./world.ts";

export interface CanaryPlan {
  state: CanaryStateValue;
  notices: Notice[];
  /** The ReplicaSet of the current template, to create when missing (with this many replicas). */
  createNew?: { hash: string; replicas: number };
  /** AnalysisRuns that must exist (created when missing). */
  runs: WantedRun[];
  /** Runs of the attempt in progress: never terminated or collected. */
  keepRuns: string[];
  /** Completed runs this reconcile saw for the first time (for Events). */
  verdicts: RunVerdict[];
  /** Desired spec.replicas by ReplicaSet name, for those that must change. */
  scale: Map<string, number>;
  /** Service name → pod-template hash its selector must pin. */
  services: Map<string, string>;
  /** Scaled-down old ReplicaSets beyond revisionHistoryLimit, oldest first. */
  prune: string[];
  status: RolloutStatus;
  requeueAfterMs?: number;
}

/** The names of the runs a canary context is judged by (when it has any). */
function currentRunNames(rollout: Rollout, context: CanaryContext) {
  const hash = context.currentHash;
  if (hash === undefined) return {};
  const onAnalysisStep = context.steps[context.stepIndex]?.kind === "analysis";
  return {
    step: onAnalysisStep
      ? analysisRunName(rollout, hash, context.analysisRound, "Step", context.stepIndex)
      : undefined,
    background: backgroundActive(context)
      ? analysisRunName(rollout, hash, context.analysisRound, "Background", context.backgroundRestarts)
      : undefined,
  };
}

/** States in which the rollout's analysis runs judge it (background analysis also while promoting). */
const JUDGED: CanaryStateValue[] = ["stepping", "pausedStep", "userPaused", "promoting"];

export function planCanary(
  rollout: Rollout,
  replicaSets: ReplicaSet[],
  templateHash: string,
  now: number,
  runs: RunLookup = () => undefined,
): CanaryPlan {
  const spec = rollout.spec ?? {};
  const canary = spec.strategy?.canary ?? {};
  const previous = rollout.status ?? {};
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  const maxSurge = canary.maxSurge ?? RolloutDefaults.maxSurge;
  const maxUnavailable = canary.maxUnavailable ?? RolloutDefaults.maxUnavailable;
  const userPaused = spec.paused ?? false;

  // 1. Step the machine with what the world looks like now.
  const steps = stepSpecs(canary.steps);
  const background = canary.analysis;
  const context = contextFromStatus(previous, steps, background ? (background.startingStep ?? 0) : undefined);
  const state = resolveStoredState(previous.sluice?.machine, context, userPaused);
  const before = sortReplicaSets(replicaSets, context.currentHash ?? templateHash, context.stableHash);
  const split = nearestSplit(
    replicas,
    canaryWeight(state, context),
    resolveIntOrPercent(maxSurge, replicas, true),
  );
  const stableSeparate = before.stableRS !== undefined && before.stableRS !== before.newRS;
  const canaryAtTarget =
    before.newRS !== undefined &&
    specReplicas(before.newRS) === split.canary &&
    availableOf(before.newRS) >= split.canary &&
    (!stableSeparate || specReplicas(before.stableRS) === split.stable);
  const newFullyAvailable =
    before.newRS !== undefined &&
    specReplicas(before.newRS) >= replicas &&
    availableOf(before.newRS) >= replicas;
  // Past progressDeadlineSeconds without progress: Degraded, and with progressDeadlineAbort an
  // abort the machine acts on now, as if the user had asked for it.
  const deadlineMs = (spec.progressDeadlineSeconds ?? RolloutDefaults.progressDeadlineSeconds) * 1000;
  const onAnalysisStep = (c: CanaryContext) => c.steps[c.stepIndex]?.kind === "analysis";
  const timedOut = progressDeadlineExceeded(
    canaryMode(state, onAnalysisStep(context)),
    previous.conditions ?? [],
    now,
    deadlineMs,
  );
  if (timedOut && spec.progressDeadlineAbort && !context.abort) context.abort = true;
  // Runs judge the rollout only while it is updating (an aborted rollout's failed run is not news
  // on every later look).
  const judgedBy = JUDGED.includes(state) ? currentRunNames(rollout, context) : {};
  const stepRun = judgedBy.step ? runs(judgedBy.step) : undefined;
  const backgroundRun = judgedBy.background ? runs(judgedBy.background) : undefined;
  const next = stepCanary(state, context, {
    type: "RECONCILE",
    now,
    templateHash,
    userPaused,
    canaryAtTarget,
    newFullyAvailable,
    stepAnalysis: stepRun?.phase,
    backgroundAnalysis: backgroundRun?.phase,
  });

  // 2. Scales for the new state (held as they are while the user has paused the rollout).
  const currentHash = next.context.currentHash ?? templateHash;
  const sorted = sortReplicaSets(replicaSets, currentHash, next.context.stableHash);
  const stableRS = sorted.stableRS !== sorted.newRS ? sorted.stableRS : undefined;
  const weight = canaryWeight(next.state, next.context);
  const scale = new Map<string, number>();
  let createNew: CanaryPlan["createNew"];
  if (next.state !== "userPaused") {
    const count = (rs: ReplicaSet | undefined) => ({ current: specReplicas(rs), available: availableOf(rs) });
    const othersCurrent = sorted.others.reduce((n, rs) => n + specReplicas(rs), 0);
    const othersAvailable = sorted.others.reduce((n, rs) => n + availableOf(rs), 0);
    const step = nextBasicCanaryScale({
      replicas,
      weight,
      maxSurge,
      maxUnavailable,
      canary: count(sorted.newRS),
      stable: count(stableRS),
      others: { current: othersCurrent, available: othersAvailable },
    });
    if (sorted.newRS === undefined) createNew = { hash: currentHash, replicas: step.canary };
    else if (specReplicas(sorted.newRS) !== step.canary)
      scale.set(sorted.newRS.metadata?.name ?? "", step.canary);
    if (stableRS && specReplicas(stableRS) !== step.stable)
      scale.set(stableRS.metadata?.name ?? "", step.stable);
    // Older ReplicaSets give up what the step allows; the oldest revisions go first.
    let keep = step.others;
    for (const rs of [...sorted.others].sort((a, b) => revisionOf(b) - revisionOf(a))) {
      const want = Math.min(specReplicas(rs), keep);
      keep -= want;
      if (want !== specReplicas(rs)) scale.set(rs.metadata?.name ?? "", want);
    }
  }

  // 3. Services: stable pods behind stableService; the canary's behind canaryService (stable once
  // aborted). A selector moves to a ReplicaSet only once all its pods are available, so a Service
  // never points at pods that cannot serve yet (as the peer's ensureSVCTargets does).
  const stableHash = next.context.stableHash ?? currentHash;
  const ready = (hash: string) => fullyAvailable(replicaSets, hash);
  const services = new Map<string, string>();
  if (canary.stableService && ready(stableHash)) services.set(canary.stableService, stableHash);
  const canaryTarget = next.state === "aborted" ? stableHash : currentHash;
  if (canary.canaryService && ready(canaryTarget)) services.set(canary.canaryService, canaryTarget);

  // 4. Status, as observed now plus what the machine decided.
  const counters = replicaCounters(replicaSets, sorted.newRS);
  const status: RolloutStatus = { ...statusFromContext(next.context, previous), ...counters };
  status.observedGeneration = rollout.metadata?.generation ?? 0;
  status.HPAReplicas = counters.replicas;
  status.selector = spec.selector ? selectorString(spec.selector) : "";
  status.canary = {
    ...previous.canary,
    weights: {
      canary: {
        weight,
        podTemplateHash: currentHash,
        ...(canary.canaryService ? { serviceName: canary.canaryService } : {}),
      },
      stable: {
        weight: 100 - weight,
        podTemplateHash: stableHash,
        ...(canary.stableService ? { serviceName: canary.stableService } : {}),
      },
    },
  };
  status.sluice = {
    ...status.sluice,
    machine: { machineVersion: CANARY_MACHINE_VERSION, value: next.state },
  };
  // The runs of the step (and the background run) are reported while the rollout is on them.
  const onSteps = JUDGED.includes(next.state);
  const nextRuns = onSteps ? currentRunNames(rollout, next.context) : {};
  const seen = (name: string | undefined): ObservedRun | undefined => (name ? runs(name) : undefined);
  const {
    currentStepAnalysisRunStatus: _step,
    currentBackgroundAnalysisRunStatus: _background,
    ...canaryStatus
  } = status.canary ?? {};
  // Once aborted, the runs that were current stay reported (why it aborted), as the peer does.
  const aborted = next.state === "aborted";
  const stepStatus = aborted
    ? (runStatusOf(stepRun) ?? previous.canary?.currentStepAnalysisRunStatus)
    : runStatusOf(seen(nextRuns.step));
  const backgroundStatus = aborted
    ? (runStatusOf(backgroundRun) ?? previous.canary?.currentBackgroundAnalysisRunStatus)
    : runStatusOf(seen(nextRuns.background));
  status.canary = {
    ...canaryStatus,
    ...(stepStatus ? { currentStepAnalysisRunStatus: stepStatus } : {}),
    ...(backgroundStatus ? { currentBackgroundAnalysisRunStatus: backgroundStatus } : {}),
  };
  const progressed =
    next.state !== state ||
    next.context.stepIndex !== context.stepIndex ||
    scale.size > 0 ||
    createNew !== undefined ||
    status.availableReplicas !== previous.availableReplicas ||
    status.updatedReplicas !== previous.updatedReplicas;
  status.conditions = rolloutConditions(status, {
    mode: canaryMode(next.state, onAnalysisStep(next.context)),
    replicas,
    now,
    progressed,
    timedOut: timedOut && !progressed,
    newReplicaSetName: sorted.newRS?.metadata?.name ?? `${rollout.metadata?.name}-${currentHash}`,
  });
  const { phase, message } = computePhase(spec, status);
  status.phase = phase;
  status.message = message;

  const plan: CanaryPlan = {
    state: next.state,
    notices: next.notices,
    scale,
    services,
    status,
    prune: historyToPrune(sorted.others, spec.revisionHistoryLimit ?? RolloutDefaults.revisionHistoryLimit),
    runs: [],
    keepRuns: [nextRuns.step, nextRuns.background].filter((n): n is string => n !== undefined),
    verdicts: runVerdicts([
      { kind: "Step", run: stepRun, recorded: previous.canary?.currentStepAnalysisRunStatus },
      {
        kind: "Background",
        run: backgroundRun,
        recorded: previous.canary?.currentBackgroundAnalysisRunStatus,
      },
    ]),
  };
  if (createNew) plan.createNew = createNew;
  const stepAnalysis = canary.steps?.[next.context.stepIndex]?.analysis;
  // A step's run starts when the step is reached; a paused step keeps the run it has.
  if (next.state === "stepping" && nextRuns.step && stepAnalysis) {
    plan.runs.push({
      kind: "Step",
      name: nextRuns.step,
      analysis: stepAnalysis,
      hash: currentHash,
      stepIndex: next.context.stepIndex,
    });
  }
  if (nextRuns.background && background) {
    plan.runs.push({
      kind: "Background",
      name: nextRuns.background,
      analysis: background,
      hash: currentHash,
    });
  }
  const wakeUps: number[] = [];
  const pauseEnds = pauseDeadline(next.state, next.context);
  if (pauseEnds !== undefined) wakeUps.push(pauseEnds - now);
  // A transient state (pause just added, step just advanced) needs one more look right away.
  if (next.state !== state || next.notices.length > 0) wakeUps.push(0);
  const progressing = status.conditions.find((c) => c.type === "Progressing");
  if (
    canaryMode(next.state, onAnalysisStep(next.context)) === "progressing" &&
    progressing?.reason === "ReplicaSetUpdated"
  ) {
    wakeUps.push(Date.parse(progressing.lastUpdateTime ?? "") + deadlineMs - now + 1);
  }
  if (wakeUps.length > 0) plan.requeueAfterMs = Math.max(0, Math.min(...wakeUps));
  return plan;
}
