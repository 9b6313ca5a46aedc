// A canary without a traffic router hands its stable Service from the old pods to the new ones by
// moving the Service's selector and scaling the old ReplicaSet to 0. The endpoints controller
// (kube-controller-manager) acts on both from its own caches: when its view of the Service lags —
// after an API server restart it can be seconds behind — the old pods' deletion is applied to the
// old selector and the Service is left with no ready endpoint until it catches up (the chaos suite
// caught exactly that). So the old pods go only once the Service's EndpointSlices list a ready pod
// of the ReplicaSet it now selects: proof that the endpoints controller has seen the move.
import type { KubeClient } from "../kube/client.ts";
import { EndpointSlices } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Sizing } from "./strategy.ts";
import { hashOf, type ReplicaSet, specReplicas } from "./world.ts";

/** What the stable Service of a canary without a router is seen to serve. */
export interface StableEndpoints {
  /** The pod-template hash its selector names, as last seen (undefined: none yet). */
  selected: string | undefined;
  /**
   * Names of the pods its EndpointSlices list as ready; "unread" when they were not read (no
   * handover under way), "none" when the Service has no slices (nothing can prove, nothing waits).
   */
  readyPods: readonly string[] | "unread" | "none";
}

/** How soon to look again while a handover waits for the endpoints controller. */
export const ENDPOINTS_RECHECK_MS = 1_000;

/**
 * Whether a handover may be under way: the Service selects a ReplicaSet while another one, not the
 * current template's, still has replicas. Only then are the EndpointSlices read (one list call).
 */
export function handoverUnderWay(
  replicaSets: readonly ReplicaSet[],
  selected: string | undefined,
  templateHash: string,
): boolean {
  if (selected === undefined) return false;
  return replicaSets.some((rs) => {
    const hash = hashOf(rs);
    return hash !== selected && hash !== templateHash && specReplicas(rs) > 0;
  });
}

interface EndpointSlice extends KubeObject {
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[];
}

/** The ready pods behind a Service, from its EndpointSlices ("none" when it has none). */
export async function readyPodsOf(
  client: KubeClient,
  namespace: string,
  service: string,
): Promise<StableEndpoints["readyPods"]> {
  const slices = await client.list<EndpointSlice>(EndpointSlices, {
    namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  if (slices.items.length === 0) return "none";
  return slices.items.flatMap((slice) =>
    (slice.endpoints ?? [])
      // A nil ready condition means ready (discovery.k8s.io/v1).
      .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === "Pod" && e.targetRef.name)
      .map((e) => e.targetRef?.name ?? ""),
  );
}

/**
 * The sizing with the scale to 0 of the ReplicaSets the stable Service still serves from held at
 * their current size while the endpoints controller has not seen the Service select `target`:
 * always in the plan that moves the Service, and later while its EndpointSlices list ready pods
 * of those ReplicaSets and none of the target's (pods of a ReplicaSet are named after it). Slices
 * listing neither (a Service whose other labels match no new pod) hold nothing: old pods kept
 * would not be served either, and the rollout must not wait for ever.
 */
export function holdForStableEndpoints(
  sizing: Sizing,
  replicaSets: readonly ReplicaSet[],
  seen: StableEndpoints,
  target: string | undefined,
): Sizing & { held: string[] } {
  if (target === undefined) return { ...sizing, held: [] };
  const going = replicaSets.filter(
    (rs) => hashOf(rs) !== target && specReplicas(rs) > 0 && sizing.scale.get(rs.metadata?.name ?? "") === 0,
  );
  if (going.length === 0 || !stillServedFrom(replicaSets, seen, target, going))
    return { ...sizing, held: [] };
  const scale = new Map(sizing.scale);
  for (const rs of going) scale.delete(rs.metadata?.name ?? "");
  return { ...sizing, scale, held: going.map((rs) => rs.metadata?.name ?? "") };
}

function stillServedFrom(
  replicaSets: readonly ReplicaSet[],
  seen: StableEndpoints,
  target: string,
  going: readonly ReplicaSet[],
): boolean {
  // The Service moves in this plan: the endpoints controller cannot have seen it yet.
  if (seen.selected !== target) return true;
  if (seen.readyPods === "unread" || seen.readyPods === "none") return false;
  const podOf = (rs: ReplicaSet | undefined) => {
    const prefix = `${rs?.metadata?.name ?? "\0"}-`;
    return (pod: string) => pod.startsWith(prefix);
  };
  const pods = seen.readyPods;
  const servesTarget = pods.some(podOf(replicaSets.find((rs) => hashOf(rs) === target)));
  return !servesTarget && going.some((rs) => pods.some(podOf(rs)));
}
