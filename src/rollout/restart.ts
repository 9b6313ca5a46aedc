// spec.restartAt (the peer's `kubectl argo rollouts restart`): pods created before that time are
// evicted a few at a time — within maxUnavailable, through the eviction API so
// PodDisruptionBudgets hold — and their ReplicaSets replace them. When none is left,
// status.restartedAt records the restart as done.
import type { IntOrString } from "../api/common.ts";
import type { Rollout } from "../api/rollout.ts";
import { RolloutDefaults } from "../api/rollout.ts";
import { selectorString } from "../api/selector.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound, KubeError } from "../kube/errors.ts";
import { Pods } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { resolveIntOrPercent } from "./replicas.ts";

interface Pod extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

const ready = (pod: Pod) =>
  pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** True while spec.restartAt asks for a restart that has not finished. */
export function restartPending(rollout: Rollout, now: number): boolean {
  const at = rollout.spec?.restartAt;
  return at !== undefined && Date.parse(at) <= now && rollout.status?.restartedAt !== at;
}

/**
 * One round of a restart: evicts what maxUnavailable allows. Returns true when no pod older than
 * restartAt is left (the restart is done).
 */
export async function restartRound(client: KubeClient, rollout: Rollout): Promise<boolean> {
  const at = Date.parse(rollout.spec?.restartAt ?? "");
  const namespace = rollout.metadata?.namespace ?? "";
  const selector = rollout.spec?.selector;
  if (!selector) return true;
  const pods = (
    await client.list<Pod>(Pods, { namespace, labelSelector: selectorString(selector) })
  ).items.filter((p) => !p.metadata?.deletionTimestamp);
  const old = pods.filter((p) => Date.parse(p.metadata?.creationTimestamp ?? "") < at);
  if (old.length === 0) return true;
  await evictWithin(client, namespace, old, evictionBudget(rollout, pods));
  return false;
}

/**
 * Evicts `old` pods, not-ready ones first (evicting them costs no availability), and ready ones
 * while fewer than `budget` of those have gone.
 */
async function evictWithin(client: KubeClient, namespace: string, old: Pod[], budget: number): Promise<void> {
  const order = [...old].sort((a, b) => Number(ready(a)) - Number(ready(b)));
  let evicted = 0;
  for (const pod of order) {
    if (ready(pod) && evicted >= budget) break;
    try {
      await client.evict(namespace, pod.metadata?.name ?? "");
      if (ready(pod)) evicted++;
    } catch (error) {
      if (!retriedNextRound(error)) throw error;
    }
  }
}

/** Ready pods this round may evict: maxUnavailable (at least one) less the pods not ready already. */
function evictionBudget(rollout: Rollout, pods: Pod[]): number {
  const replicas = rollout.spec?.replicas ?? RolloutDefaults.replicas;
  const strategy = rollout.spec?.strategy;
  const maxUnavailable: IntOrString =
    strategy?.canary?.maxUnavailable ?? strategy?.blueGreen?.maxUnavailable ?? RolloutDefaults.maxUnavailable;
  return (
    Math.max(1, resolveIntOrPercent(maxUnavailable, replicas, false)) - pods.filter((p) => !ready(p)).length
  );
}

/** Gone already, or a PodDisruptionBudget says not now (429): the next round retries. */
const retriedNextRound = (error: unknown) =>
  isNotFound(error) || (error instanceof KubeError && error.reason === "TooManyRequests");
