// The contract every traffic router implements (one folder per router under src/trafficrouting/,
// found through registry.ts). A router is pure: given the Rollout, the weight to send to the canary
// and the objects it reads (from the controller's caches), it names what is wrong with those
// objects and what to write; the Rollout controller's shell does the writing, in the registry's
// order, before any ReplicaSet is scaled. `status.canary.weights` records the weight.
import type { Rollout } from "../api/rollout.ts";
import { Ingresses, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ManagedRoutes } from "./managed-routes.ts";

/** The kinds routers read and write. */
export type RoutedKind = "Ingress" | "HTTPRoute" | "GRPCRoute" | "VirtualService" | "DestinationRule";

const namespacedKind = (group: string, kind: string, plural: string): ResourceType => ({
  group,
  version: "v1",
  plural,
  kind,
  namespaced: true,
});
const gatewayKind = (kind: string, plural: string) =>
  namespacedKind("gateway.networking.k8s.io", kind, plural);
const istioKind = (kind: string, plural: string) => namespacedKind("networking.istio.io", kind, plural);

/** The resource of each routed kind. */
export const ROUTED_TYPES: Record<RoutedKind, ResourceType> = {
  Ingress: Ingresses,
  HTTPRoute: gatewayKind("HTTPRoute", "httproutes"),
  GRPCRoute: gatewayKind("GRPCRoute", "grpcroutes"),
  VirtualService: istioKind("VirtualService", "virtualservices"),
  DestinationRule: istioKind("DestinationRule", "destinationrules"),
};

/**
 * Kinds a cluster may not serve (their CRDs are optional): watched only once a Rollout names one,
 * through API discovery, so sluice starts and runs without them.
 */
export const OPTIONAL_KINDS: readonly RoutedKind[] = [
  "HTTPRoute",
  "GRPCRoute",
  "VirtualService",
  "DestinationRule",
];

/** An object a router reads, and the spec field that names it. */
export interface RoutingReference {
  kind: RoutedKind;
  name: string;
  /** The Rollout's namespace when absent. */
  namespace?: string | undefined;
  field: string;
}

/** An object as last seen (undefined when there is none); the namespace defaults to the Rollout's. */
export type RoutingLookup = (kind: RoutedKind, name: string, namespace?: string) => KubeObject | undefined;

export interface RoutingInput {
  rollout: Rollout;
  /** Units of maxTrafficWeight (default 100) of the traffic for the canary. */
  weight: number;
  /** Header and mirror routes in force (none at rest). */
  routes: ManagedRoutes;
  /**
   * Pod-template hashes of the canary and stable pods, for routers that select pods by label
   * (Istio DestinationRule subsets); the canary's is the stable's once promoted or aborted.
   */
  hashes: { canary: string; stable: string };
  lookup: RoutingLookup;
}

export interface RoutingProblem {
  path: string;
  message: string;
}

/**
 * A write a router needs: an object sluice owns, server-side applied whole (nginx's canary
 * Ingress), or an edit of a user's object as a merge patch that holds only if the object is still
 * at `resourceVersion` (a route's weights, a DestinationRule's subsets), so a concurrent change is
 * never overwritten.
 */
export type RoutingWrite =
  | { kind: RoutedKind; namespace: string; name: string; apply: KubeObject }
  | {
      kind: RoutedKind;
      namespace: string;
      name: string;
      patch: Record<string, unknown>;
      resourceVersion: string;
    };

export interface TrafficRouter {
  /** The key under spec.strategy.canary.trafficRouting ("nginx"; a plugin's by its alias, registry.ts). */
  readonly name: string;
  /** The objects it reads: watched, so a change to one (or its creation) looks at the Rollout again. */
  references(rollout: Rollout): RoutingReference[];
  /** What is wrong with those objects (the Rollout is InvalidSpec until it is fixed; nothing moves). */
  problems(input: Pick<RoutingInput, "rollout" | "lookup">): RoutingProblem[];
  /** What to write so the data plane sends `weight` to the canary; nothing when it already does. */
  writes(input: RoutingInput): RoutingWrite[];
}
