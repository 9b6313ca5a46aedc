// Waiting, bounded, for the fleet to reach its end state: every Rollout Healthy on web:1 before the
// update, or after the faults each in the state its data and the recorded outages dictate.
import type { KubeClient } from "../../src/kube/client.ts";
import { pending, waitFor } from "../helpers/wait.ts";
import type { Canary } from "./fleet.ts";
import { describeRollout, endState, expectedEnd, matches, type Observed, observe } from "./state.ts";
import type { Window } from "./windows.ts";

const healthyOnV1 = (o: Observed) => {
  const s = o.rollout.status ?? {};
  return (
    s.phase === "Healthy" &&
    o.v1 !== undefined &&
    s.stableRS === o.v1 &&
    s.observedGeneration === o.rollout.metadata?.generation
  );
};

export function settle(
  client: KubeClient,
  namespace: string,
  canaries: Canary[],
  windows: readonly Window[],
  options: { v1?: boolean; timeoutMs: number },
): Promise<Observed[]> {
  const done = (o: Observed) =>
    options.v1 ? healthyOnV1(o) : matches(expectedEnd(o, windows).expected, endState(o));
  return waitFor(
    options.v1 ? "every Rollout Healthy on web:1" : "every Rollout in its end state",
    async () => {
      const observed = await observe(client, namespace, canaries);
      const waiting = observed.filter((o) => !done(o));
      if (waiting.length === 0) return observed;
      const sample = waiting.slice(0, 3).map((o) => `${o.canary.name} ${describeRollout(o)}`);
      return pending(`${waiting.length} not there yet, e.g. ${sample.join("; ")}`);
    },
    { timeoutMs: options.timeoutMs, intervalMs: 500 },
  );
}
