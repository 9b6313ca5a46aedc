// The contract every traffic router implements (one folder per router under src/trafficrouting/,
// found through registry.ts). A router is pure: given the Rollout, the weight to send to the canary
// and the objects it reads (from the controller's caches), it names what is wrong with those
// objects and which objects to write; the Rollout controller's shell does the writing, in the
// registry's order, before any ReplicaSet is scaled. `status.canary.weights` records the weight.
import type { Rollout } from "../api/rollout.ts";
import { Ingresses, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";

/** The kinds routers read and write. */
export type RoutedKind = "Ingress";

/** The resource of each routed kind (the Rollout controller caches and writes these). */
export const ROUTED_TYPES: Record<RoutedKind, ResourceType> = { Ingress: Ingresses };

/** An object a router reads, and the spec field that names it. */
export interface RoutingReference {
  kind: RoutedKind;
  name: string;
  field: string;
}

export interface RoutingInput {
  rollout: Rollout;
  /** Percent (of maxTrafficWeight) of the traffic for the canary. */
  weight: number;
  /** An object of the Rollout's namespace as last seen; undefined when there is none. */
  lookup: (kind: RoutedKind, name: string) => KubeObject | undefined;
}

export interface RoutingProblem {
  path: string;
  message: string;
}

export interface TrafficRouter {
  /** The key under spec.strategy.canary.trafficRouting ("nginx"). */
  readonly name: string;
  /** The objects it reads: watched, so a change to one (or its creation) looks at the Rollout again. */
  references(rollout: Rollout): RoutingReference[];
  /** What is wrong with those objects (the Rollout is InvalidSpec until it is fixed; nothing moves). */
  problems(input: Omit<RoutingInput, "weight">): RoutingProblem[];
  /** The objects to write (server-side apply) so the data plane sends `weight` to the canary; only changed ones. */
  writes(input: RoutingInput): KubeObject[];
}
