// The canary strategy's hooks for the Rollout plan (plan.ts): step the canary machine with what
// was observed, then derive the ReplicaSet scales, Service selectors, traffic router writes
// (traffic-scale.ts when a router carries the weight), AnalysisRuns and canary status fields the
// new state calls for. Pure (no I/O; `now` and the routers' objects come from the context).
import type { Rollout, RolloutStatus } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import {
  backgroundActive,
  CANARY_MACHINE_VERSION,
  type CanaryContext,
  type CanaryStateValue,
} from "../strategy/canary.machine.ts";
import {
  type CanaryTransition,
  contextFromStatus,
  resolveStoredState,
  statusFromContext,
  stepCanary,
  stepSpecs,
} from "../strategy/canary.state.ts";
import { canaryWeight, pauseDeadline } from "../strategy/canary.weights.ts";
import { atDesiredCounts, fullWeightApplied, splitFor, traffic } from "./canary-traffic.ts";
import { observedRun, type RolloutContext } from "./context.ts";
import { stepsHash } from "./hash.ts";
import { nextBasicCanaryScale } from "./replicas.ts";
import { analysisRunName, type ObservedRun, runStatusOf, type WantedRun } from "./rollout-analysis.ts";
import { canaryMode } from "./rollout-conditions.ts";
import { runVerdicts } from "./run-verdicts.ts";
import { ENDPOINTS_RECHECK_MS, holdForStableEndpoints } from "./stable-endpoints.ts";
import {
  type Restored,
  type Sizing,
  type Strategy,
  type StrategyDecision,
  sizeNewReplicaSet,
} from "./strategy.ts";
import { maxWeightOf, routedSizing } from "./traffic-scale.ts";
import {
  availableOf,
  hashOf,
  type ReplicaSet,
  revisionOf,
  type SortedReplicaSets,
  serviceMayTarget,
  sortReplicaSets,
  specReplicas,
} from "./world.ts";

/** States in which the rollout's analysis runs judge it (background analysis also while promoting). */
const JUDGED: CanaryStateValue[] = ["stepping", "pausedStep", "userPaused", "promoting"];

/**
 * The names of the runs a canary is judged by in `state` (when it has any). A step's run judges
 * only while the rollout is on its steps: promoting (all steps done, or promote --full) is judged
 * by the background run alone.
 */
function currentRunNames(rollout: Rollout, state: CanaryStateValue, context: CanaryContext) {
  const hash = context.currentHash;
  if (hash === undefined || !JUDGED.includes(state)) return {};
  const onStepRun = state !== "promoting" && onAnalysisStep(context);
  return {
    step: onStepRun
      ? analysisRunName(rollout, hash, context.analysisRound, "Step", context.stepIndex, context.runRestarts)
      : undefined,
    background: backgroundActive(context)
      ? analysisRunName(rollout, hash, context.analysisRound, "Background", context.backgroundRestarts)
      : undefined,
  };
}

const onAnalysisStep = (c: CanaryContext) => c.steps[c.stepIndex]?.kind === "analysis";

interface CanaryRestored extends Restored {
  state: CanaryStateValue;
  context: CanaryContext;
}

/** What the canary machine decided, with the runs it was judged by. */
interface Stepped {
  before: CanaryRestored;
  next: CanaryTransition;
  stepRun: ObservedRun | undefined;
  backgroundRun: ObservedRun | undefined;
  sorted: SortedReplicaSets;
  currentHash: string;
  stableHash: string;
}

function restore({ rollout }: RolloutContext): CanaryRestored {
  const canary = rollout.spec?.strategy?.canary ?? {};
  const background = canary.analysis;
  const context = contextFromStatus(
    rollout.status ?? {},
    stepSpecs(canary.steps),
    background ? (background.startingStep ?? 0) : undefined,
  );
  const state = resolveStoredState(rollout.status?.sluice?.machine, context, rollout.spec?.paused ?? false);
  return { state, context, mode: canaryMode(state, onAnalysisStep(context)) };
}

/** Steps the machine with what the world looks like now. */
function step(ctx: RolloutContext, restored: CanaryRestored, abort: boolean): Stepped {
  const { rollout, templateHash, now } = ctx;
  const spec = rollout.spec ?? {};
  const canary = spec.strategy?.canary ?? {};
  const replicas = spec.replicas ?? RolloutDefaults.replicas;
  const { state } = restored;
  const context = abort && !restored.context.abort ? { ...restored.context, abort: true } : restored.context;
  const replicaSets = [...ctx.replicaSets];
  const before = sortReplicaSets(replicaSets, context.currentHash ?? templateHash, context.stableHash);
  const canaryAtTarget = atDesiredCounts(before, splitFor(rollout, state, context, before));
  // Runs judge the rollout only while it is updating (an aborted rollout's failed run is not news
  // on every later look).
  const judgedBy = currentRunNames(rollout, state, context);
  const stepRun = observedRun(ctx, judgedBy.step);
  const backgroundRun = observedRun(ctx, judgedBy.background);
  const next = stepCanary(state, context, {
    type: "RECONCILE",
    now,
    templateHash,
    userPaused: spec.paused ?? false,
    canaryAtTarget,
    newFullyAvailable:
      before.newRS !== undefined &&
      specReplicas(before.newRS) >= replicas &&
      availableOf(before.newRS) >= replicas &&
      fullWeightApplied(rollout),
    stepAnalysis: stepRun?.phase,
    backgroundAnalysis: backgroundRun?.phase,
    stepsHash: stepsHash(canary.steps ?? []),
  });
  const currentHash = next.context.currentHash ?? templateHash;
  const sorted = sortReplicaSets(replicaSets, currentHash, next.context.stableHash);
  const stableHash = next.context.stableHash ?? currentHash;
  return { before: restored, next, stepRun, backgroundRun, sorted, currentHash, stableHash };
}

/** Scales for the new state: by router weight (traffic-scale.ts) or by replica ratio. */
function size(ctx: RolloutContext, stepped: Stepped): Sizing & { wakeUps?: number[] } {
  const spec = ctx.rollout.spec ?? {};
  const canary = spec.strategy?.canary ?? {};
  if (!canary.trafficRouting) return basicSize(ctx, stepped);
  const { next, sorted, currentHash } = stepped;
  return routedSizing({
    state: next.state,
    context: next.context,
    canary,
    replicas: spec.replicas ?? RolloutDefaults.replicas,
    sorted,
    currentHash,
    now: ctx.now,
    split: splitFor(ctx.rollout, next.state, next.context, sorted),
  });
}

/** Replica-ratio scales within maxSurge/maxUnavailable (held as they are while the user has paused). */
function basicSize(ctx: RolloutContext, { next, sorted, currentHash }: Stepped): Sizing {
  const spec = ctx.rollout.spec ?? {};
  const canary = spec.strategy?.canary ?? {};
  const sizing: Sizing = { scale: new Map(), deadlines: new Map() };
  if (next.state === "userPaused") return sizing;
  const stableRS = sorted.stableRS !== sorted.newRS ? sorted.stableRS : undefined;
  const count = (rs: ReplicaSet | undefined) => ({ current: specReplicas(rs), available: availableOf(rs) });
  const step = nextBasicCanaryScale({
    replicas: spec.replicas ?? RolloutDefaults.replicas,
    weight: canaryWeight(next.state, next.context),
    maxSurge: canary.maxSurge ?? RolloutDefaults.maxSurge,
    maxUnavailable: canary.maxUnavailable ?? RolloutDefaults.maxUnavailable,
    canary: count(sorted.newRS),
    stable: count(stableRS),
    others: {
      current: sorted.others.reduce((n, rs) => n + specReplicas(rs), 0),
      available: sorted.others.reduce((n, rs) => n + availableOf(rs), 0),
    },
  });
  sizeNewReplicaSet(sizing, sorted.newRS, currentHash, step.canary);
  if (stableRS && specReplicas(stableRS) !== step.stable)
    sizing.scale.set(stableRS.metadata?.name ?? "", step.stable);
  // Older ReplicaSets give up what the step allows; the newest of them goes first (as the peer
  // drains them), so what is kept is the oldest's.
  let keep = step.others;
  for (const rs of [...sorted.others].sort((a, b) => revisionOf(a) - revisionOf(b))) {
    const want = Math.min(specReplicas(rs), keep);
    keep -= want;
    if (want !== specReplicas(rs)) sizing.scale.set(rs.metadata?.name ?? "", want);
  }
  return sizing;
}

/**
 * Stable pods behind stableService; the canary's behind canaryService (stable once aborted). A
 * selector moves to a ReplicaSet only once it can serve (serviceMayTarget).
 */
function services(
  ctx: RolloutContext,
  stepped: Stepped,
  weight: number,
  sizing: Sizing,
): Map<string, string> {
  const { next, currentHash, stableHash } = stepped;
  const canary = ctx.rollout.spec?.strategy?.canary ?? {};
  const out = new Map<string, string>();
  const point = (name: string | undefined, hash: string) => {
    const rs = ctx.replicaSets.find((r) => hashOf(r) === hash);
    if (name && serviceMayTarget(rs)) out.set(name, hash);
  };
  if (canary.stableService && stableLeftEmpty(ctx, stepped, sizing))
    out.set(canary.stableService, currentHash);
  else point(canary.stableService, stableHash);
  // Aborted: the canary Service goes back to stable once no traffic is weighted to the canary (a
  // dynamicStableScale abort steps the weight down first).
  const aborted = next.state === "aborted" && (weight === 0 || !canary.trafficRouting);
  point(canary.canaryService, aborted ? stableHash : currentHash);
  return out;
}

/**
 * Whether, without a traffic router, this plan leaves the stable ReplicaSet with no pods while the
 * new one serves: at the last step's full weight the stable goes to 0 a reconcile before the
 * promotion moves stableHash, and the stable Service must not select no pod meanwhile (it is
 * written before the scale-down, so it moves to the new pods first). Found by the chaos suite.
 */
function stableLeftEmpty(ctx: RolloutContext, { sorted }: Stepped, sizing: Sizing): boolean {
  const stableRS = sorted.stableRS;
  if (ctx.rollout.spec?.strategy?.canary?.trafficRouting || !stableRS || stableRS === sorted.newRS)
    return false;
  const after = sizing.scale.get(stableRS.metadata?.name ?? "") ?? specReplicas(stableRS);
  return after === 0 && availableOf(sorted.newRS) > 0;
}

/** Without a router, old pods the stable Service still serves from wait for the endpoints controller. */
function holdStableService(ctx: RolloutContext, sizing: Sizing, targets: Map<string, string>) {
  const canary = ctx.rollout.spec?.strategy?.canary ?? {};
  const seen = ctx.stableEndpoints;
  if (canary.trafficRouting || !canary.stableService || !seen) return { ...sizing, held: [] };
  const target = targets.get(canary.stableService) ?? seen.selected;
  return holdForStableEndpoints(sizing, ctx.replicaSets, seen, target);
}

/** status.canary: the weights in force and the runs the rollout is on (or aborted by). */
function canaryStatus(
  ctx: RolloutContext,
  stepped: Stepped,
  weight: number,
): NonNullable<RolloutStatus["canary"]> {
  const { rollout } = ctx;
  const canary = rollout.spec?.strategy?.canary ?? {};
  const previous = rollout.status?.canary;
  const { next, currentHash, stableHash } = stepped;
  const maxWeight = canary.trafficRouting ? maxWeightOf(canary) : 100;
  const nextRuns = currentRunNames(rollout, next.state, next.context);
  // Once aborted, the runs that were current stay reported (why it aborted), as the peer does.
  const aborted = next.state === "aborted";
  const stepStatus = aborted
    ? (runStatusOf(stepped.stepRun) ?? previous?.currentStepAnalysisRunStatus)
    : runStatusOf(observedRun(ctx, nextRuns.step));
  const backgroundStatus = aborted
    ? (runStatusOf(stepped.backgroundRun) ?? previous?.currentBackgroundAnalysisRunStatus)
    : runStatusOf(observedRun(ctx, nextRuns.background));
  const {
    currentStepAnalysisRunStatus: _step,
    currentBackgroundAnalysisRunStatus: _background,
    ...kept
  } = previous ?? {};
  return {
    ...kept,
    weights: {
      canary: {
        weight,
        podTemplateHash: currentHash,
        ...(canary.canaryService ? { serviceName: canary.canaryService } : {}),
      },
      stable: {
        weight: maxWeight - weight,
        podTemplateHash: stableHash,
        ...(canary.stableService ? { serviceName: canary.stableService } : {}),
      },
    },
    ...(stepStatus ? { currentStepAnalysisRunStatus: stepStatus } : {}),
    ...(backgroundStatus ? { currentBackgroundAnalysisRunStatus: backgroundStatus } : {}),
  };
}

/** The runs the new state wants, keeps and reports. */
function runs(ctx: RolloutContext, stepped: Stepped): StrategyDecision["runs"] {
  const { rollout } = ctx;
  const canary = rollout.spec?.strategy?.canary ?? {};
  const { next, currentHash } = stepped;
  const nextRuns = currentRunNames(rollout, next.state, next.context);
  const wanted: WantedRun[] = [];
  const stepAnalysis = canary.steps?.[next.context.stepIndex]?.analysis;
  // A step's run starts when the step is reached; a paused step keeps the run it has.
  if (next.state === "stepping" && nextRuns.step && stepAnalysis)
    wanted.push({
      kind: "Step",
      name: nextRuns.step,
      analysis: stepAnalysis,
      hash: currentHash,
      stepIndex: next.context.stepIndex,
    });
  if (nextRuns.background && canary.analysis)
    wanted.push({
      kind: "Background",
      name: nextRuns.background,
      analysis: canary.analysis,
      hash: currentHash,
    });
  const recorded = rollout.status?.canary;
  return {
    wanted,
    keep: [nextRuns.step, nextRuns.background].filter((n): n is string => n !== undefined),
    verdicts: runVerdicts([
      { kind: "Step", run: stepped.stepRun, recorded: recorded?.currentStepAnalysisRunStatus },
      {
        kind: "Background",
        run: stepped.backgroundRun,
        recorded: recorded?.currentBackgroundAnalysisRunStatus,
      },
    ]),
  };
}

function decide(ctx: RolloutContext, restored: CanaryRestored, abort: boolean): StrategyDecision {
  const stepped = step(ctx, restored, abort);
  const { next, sorted, currentHash } = stepped;
  const status = statusFromContext(next.context, ctx.rollout.status ?? {});
  status.currentStepHash = stepsHash(ctx.rollout.spec?.strategy?.canary?.steps ?? []);
  const routing = traffic(ctx, stepped);
  status.canary = canaryStatus(ctx, stepped, routing.weight);
  const wanted = size(ctx, stepped);
  const serviceTargets = services(ctx, stepped, routing.weight, wanted);
  const sizing = holdStableService(ctx, wanted, serviceTargets);
  const pauseEnds = pauseDeadline(next.state, next.context);
  return {
    state: next.state,
    machine: { machineVersion: CANARY_MACHINE_VERSION, value: next.state },
    moved: next.state !== restored.state || next.context.stepIndex !== restored.context.stepIndex,
    notices: next.notices,
    mode: canaryMode(next.state, onAnalysisStep(next.context)),
    currentHash,
    newRS: sorted.newRS,
    others: sorted.others,
    sizing,
    services: serviceTargets,
    routing: routing.writes,
    status,
    runs: runs(ctx, stepped),
    wakeUps: [
      ...(pauseEnds === undefined ? [] : [pauseEnds - ctx.now]),
      ...(wanted.wakeUps ?? []),
      ...(sizing.held.length > 0 ? [ENDPOINTS_RECHECK_MS] : []),
    ],
  };
}

export const canaryStrategy: Strategy<CanaryRestored> = { restore, decide };
