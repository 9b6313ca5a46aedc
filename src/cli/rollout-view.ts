// Reads a Rollout and what it owns (ReplicaSets by owner, their pods, AnalysisRuns by owner) into
// a RolloutView, and says clearly when the Rollout or its kind is missing.
import type { LabelSelector } from "../api/common.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound, type KubeError } from "../kube/errors.ts";
import { AnalysisRuns, Pods, ReplicaSets, Rollouts } from "../kube/resources.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../rollout/hash.ts";
import { CliError } from "./errors.ts";
import type { AnalysisRun, Pod, ReplicaSet, Rollout, RolloutView } from "./render/objects.ts";

const owns = (
  owner: { metadata?: { uid?: string } },
  object: { metadata?: { ownerReferences?: { uid: string }[] } },
) =>
  owner.metadata?.uid !== undefined &&
  (object.metadata?.ownerReferences ?? []).some((o) => o.uid === owner.metadata?.uid);

/** Keeps only the objects the Rollout owns, directly (ReplicaSets, runs) or through a ReplicaSet (pods). */
export function assembleView(
  rollout: Rollout,
  replicaSets: ReplicaSet[],
  pods: Pod[],
  analysisRuns: AnalysisRun[],
): RolloutView {
  const owned = replicaSets.filter((rs) => owns(rollout, rs));
  return {
    rollout,
    replicaSets: owned,
    pods: pods.filter((pod) => owned.some((rs) => owns(rs, pod))),
    analysisRuns: analysisRuns.filter((run) => owns(rollout, run)),
  };
}

/**
 * Selects the pods and ReplicaSets a Rollout may own: they carry the pod-template-hash label and
 * the Rollout's matchLabels (fewer objects over the wire in a busy namespace).
 */
export function ownedSelector(selector: LabelSelector | undefined): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return [POD_TEMPLATE_HASH_LABEL, ...labels].join(",");
}

/** A 404 that names the object means the object is missing; any other 404 means the kind is. */
export function missingKind(error: unknown, name: string): boolean {
  if (!isNotFound(error)) return false;
  const details = (error as KubeError).details as { name?: string } | undefined;
  return details?.name !== name;
}

export async function getRollout(client: KubeClient, namespace: string, name: string): Promise<Rollout> {
  try {
    return await client.get<Rollout>(Rollouts, { namespace, name });
  } catch (error) {
    if (missingKind(error, name)) {
      throw new CliError("the Rollout kind (rollouts.sluice.dev) is not installed in this cluster");
    }
    if (isNotFound(error)) throw new CliError(`rollout "${name}" not found in namespace "${namespace}"`);
    throw error;
  }
}

/** AnalysisRuns in the namespace; none when the kind is not installed (runs are optional). */
export async function listRuns(client: KubeClient, namespace: string): Promise<AnalysisRun[] | undefined> {
  try {
    return (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function fetchRolloutView(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<RolloutView> {
  const rollout = await getRollout(client, namespace, name);
  const labelSelector = ownedSelector(rollout.spec?.selector);
  const [replicaSets, pods, runs] = await Promise.all([
    client.list<ReplicaSet>(ReplicaSets, { namespace, labelSelector }),
    client.list<Pod>(Pods, { namespace, labelSelector }),
    listRuns(client, namespace),
  ]);
  return assembleView(rollout, replicaSets.items, pods.items, runs ?? []);
}
