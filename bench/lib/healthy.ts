// Which of a namespace's Rollouts are Healthy on their current generation, from a watch: the rollout
// benches wait on it after each change ("all N Healthy") and read when the last one got there.
import type { Rollout } from "../../src/api/rollout.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Rollouts } from "../../src/kube/resources.ts";
import { watchObjects } from "./watch.ts";

export function observeRollouts(client: KubeClient, namespace: string, count: number) {
  const healthy = new Map<string, number>();
  let wake: () => void = () => undefined;
  const abort = new AbortController();
  const see = (r: Rollout) => {
    const name = r.metadata?.name ?? "";
    const done =
      r.status?.phase === "Healthy" && (r.status.observedGeneration ?? 0) >= (r.metadata?.generation ?? 1);
    if (done && !healthy.has(name)) healthy.set(name, Date.now());
    if (!done) healthy.delete(name);
    if (healthy.size >= count) wake();
  };
  const watching = watchObjects(client, Rollouts, namespace, see, abort.signal);
  return {
    /** Forgets what was seen: the next allHealthy() waits for new Healthy states. */
    reset: () => healthy.clear(),
    lastAt: () => Math.max(...healthy.values()),
    allHealthy: (timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        if (healthy.size >= count) wake();
      }),
    healthyCount: () => healthy.size,
    stop: async () => {
      abort.abort();
      await watching;
    },
  };
}
