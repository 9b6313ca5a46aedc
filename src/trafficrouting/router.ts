// The contract every traffic router implements (one folder per router under src/trafficrouting/,
// DESIGN.md §3). The Rollout controller decides the canary weight from its strategy machine
// (canaryWeight in src/strategy/canary.weights.ts) and records it in status.canary.weights; with a
// router configured it hands that weight to the router instead of approximating it by pod counts,
// and keeps the stable ReplicaSet at full scale until promotion. No router is implemented yet: a
// Rollout that names one is rejected by the validator ("spec.strategy.canary.trafficRouting is not
// supported yet").

import type { Rollout } from "../api/rollout.ts";

export interface RoutingTarget {
  rollout: Rollout;
  /** Pod-template hashes of the stable and canary ReplicaSets. */
  stableHash: string;
  canaryHash: string;
  stableService: string;
  canaryService: string;
}

export interface TrafficRouter {
  /** Stable name used in logs, Events and metrics (e.g. "nginx", "gatewayAPI"). */
  readonly name: string;
  /** Sends `weight` percent of traffic to the canary. Idempotent: called on every reconcile. */
  setWeight(target: RoutingTarget, weight: number): Promise<void>;
  /**
   * Whether the data plane reports the weight last set as applied; undefined when the router
   * cannot tell. A step with a weight is complete only when this is not false.
   */
  verifyWeight?(target: RoutingTarget, weight: number): Promise<boolean | undefined>;
  /** Routes everything to the stable pods (abort, deletion) and removes what the router created. */
  reset(target: RoutingTarget): Promise<void>;
}
