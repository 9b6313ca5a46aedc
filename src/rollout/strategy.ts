// The hooks a strategy (canary, blue/green) gives the one Rollout plan skeleton (plan.ts): restore
// its machine from the status, step it, and say what the new state means for ReplicaSets,
// Services, AnalysisRuns and the strategy's own status fields. Everything both strategies do alike
// (counters, conditions, phase, progress deadline, run creation, Events, wake-ups) is the
// skeleton's; sizeNewReplicaSet is the one sizing rule both share.
import type { RolloutStatus } from "../api/rollout.ts";
import type { Notice } from "../strategy/canary.machine.ts";
import type { RoutingWrite } from "../trafficrouting/router.ts";
import type { RolloutContext } from "./context.ts";
import type { WantedRun } from "./rollout-analysis.ts";
import type { ConditionMode } from "./rollout-conditions.ts";
import type { RunVerdict } from "./run-verdicts.ts";
import { type ReplicaSet, specReplicas } from "./world.ts";

/** A restored machine: what it is in before this reconcile steps it. */
export interface Restored {
  /** What the restored state means for the progress deadline. */
  mode: ConditionMode;
}

export interface Sizing {
  /** The ReplicaSet of the current template, to create when missing (with this many replicas). */
  createNew?: { hash: string; replicas: number };
  /** Desired spec.replicas by ReplicaSet name, for those that must change. */
  scale: Map<string, number>;
  /** ReplicaSet name → scale-down deadline (RFC 3339) to record on it; null removes it. */
  deadlines: Map<string, string | null>;
}

/** Size the current template's ReplicaSet: create it when missing, else scale it when it differs. */
export function sizeNewReplicaSet(
  sizing: Sizing,
  newRS: ReplicaSet | undefined,
  hash: string,
  replicas: number,
): void {
  if (newRS === undefined) sizing.createNew = { hash, replicas };
  else if (specReplicas(newRS) !== replicas) sizing.scale.set(newRS.metadata?.name ?? "", replicas);
}

export interface StrategyDecision {
  /** The machine state after this reconcile, and whether it or the step moved. */
  state: string;
  machine: { machineVersion: number; value: string };
  moved: boolean;
  notices: Notice[];
  mode: ConditionMode;
  currentHash: string;
  /** The ReplicaSet of the current template (when it exists) and the ones neither new nor stable. */
  newRS: ReplicaSet | undefined;
  others: ReplicaSet[];
  sizing: Sizing;
  /** Service name → pod-template hash its selector must pin. */
  services: Map<string, string>;
  /** What traffic routers need written for the new weight. */
  routing?: RoutingWrite[];
  /** The status fields the machine and the strategy own (counters and conditions are added). */
  status: RolloutStatus;
  /**
   * The ReplicaSet that serves, when the strategy counts only it (blue/green: the active one):
   * the scale subresource (HPAReplicas, selector) and available/ready replicas are its own, so an
   * HPA scales on the pods that take traffic. Default: every ReplicaSet, the Rollout's selector.
   */
  serving?: ReplicaSet | undefined;
  /** AnalysisRuns that must exist, runs never to terminate, first-seen verdicts. */
  runs: { wanted: WantedRun[]; keep: string[]; verdicts: RunVerdict[] };
  /** Times (ms from now) the strategy wants another look: pause ends, delays. */
  wakeUps: number[];
}

export interface Strategy<R extends Restored> {
  restore(context: RolloutContext): R;
  /** `abort`: the skeleton aborts now (progress deadline with progressDeadlineAbort, a run that cannot start). */
  decide(context: RolloutContext, restored: R, abort: boolean): StrategyDecision;
}
