// AnalysisRuns made directly by a test (no Rollout), and waiting for them to finish.
import type { AnalysisRun, AnalysisRunSpec } from "../../src/api/analysis.ts";
import { AnalysisRuns } from "../../src/kube/resources.ts";
import { testClient } from "./kube.ts";
import { pending, waitFor } from "./wait.ts";

export function createRun(namespace: string, name: string, spec: AnalysisRunSpec): Promise<AnalysisRun> {
  return testClient().create<AnalysisRun>(
    AnalysisRuns,
    { apiVersion: "sluice.dev/v1alpha1", kind: "AnalysisRun", metadata: { name, namespace }, spec },
    "test",
  );
}

/** Waits until the run has completedAt (any phase) and returns it. */
export function untilCompleted(namespace: string, name: string, timeoutMs?: number): Promise<AnalysisRun> {
  return waitFor(
    `AnalysisRun ${name} to complete`,
    async () => {
      const run = await testClient().get<AnalysisRun>(AnalysisRuns, { namespace, name });
      return run.status?.completedAt ? run : pending(JSON.stringify(run.status ?? {}));
    },
    timeoutMs === undefined ? {} : { timeoutMs },
  );
}
