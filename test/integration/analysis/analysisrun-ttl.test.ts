// ttlStrategy against the real API server: a completed AnalysisRun is deleted once the TTL that
// applies to its phase has passed since completedAt (not before), a run no TTL applies to is
// kept, and a run that came due while no controller was running is deleted on the next start.
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun, Metric, TTLStrategy } from "../../../src/api/analysis.ts";
import { isNotFound } from "../../../src/kube/errors.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { auditMark, auditMatches, auditUntilNow, describeAudit, SLUICE_AGENT } from "../../helpers/audit.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { prometheusUrl } from "../../helpers/prometheus.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { clockReaches, pending, waitFor } from "../../helpers/wait.ts";

const metric = (outcome: "pass" | "fail" | "error"): Metric => ({
  name: "one",
  consecutiveErrorLimit: 0,
  successCondition: outcome === "pass" ? "result[0] == 1" : "result[0] == 2",
  provider: {
    prometheus:
      outcome === "error"
        ? { address: "http://127.0.0.1:1", query: "vector(1)", timeout: 1 }
        : { address: prometheusUrl(), query: "vector(1)" },
  },
});

test("ttlStrategy: completed runs are deleted when their TTL runs out, and only then", async (t) => {
  await installAnalysisCrds();
  const namespace = await useNamespace(t, "analysis-ttl");
  const client = testClient();
  const create = (name: string, outcome: "pass" | "fail" | "error", ttlStrategy: TTLStrategy) =>
    client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: { metrics: [metric(outcome)], ttlStrategy },
      },
      "test",
    );
  const get = (name: string) =>
    client.get<AnalysisRun>(AnalysisRuns, { namespace, name }).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  const completed = (name: string) =>
    waitFor(`AnalysisRun ${name} to complete`, async () => {
      const run = await get(name);
      return run?.status?.completedAt ? run : pending(JSON.stringify(run?.status ?? {}));
    });
  /** Waits until `name` is gone; returns how long after completedAt that was seen (ms). */
  const goneAfter = async (name: string, completedAt: string) => {
    await waitFor(
      `AnalysisRun ${name} to be deleted`,
      async () => ((await get(name)) ? pending("still there") : true),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    return Date.now() - Date.parse(completedAt);
  };

  const start = await auditMark();
  const sluice = await startSluice(t, [analysisRunController], { namespace });
  await create("success", "pass", { secondsAfterSuccess: 3, secondsAfterFailure: 600 });
  await create("failure", "fail", { secondsAfterFailure: 2, secondsAfterSuccess: 600 });
  await create("error", "error", { secondsAfterCompletion: 2 });
  await create("kept", "pass", { secondsAfterFailure: 1 });

  const success = await completed("success");
  const failure = await completed("failure");
  const error = await completed("error");
  const kept = await completed("kept");
  assert.equal(success.status?.phase, "Successful");
  assert.equal(failure.status?.phase, "Failed");
  assert.equal(error.status?.phase, "Error");
  assert.equal(kept.status?.phase, "Successful");

  // The controller runs in this process, on this clock: the run cannot be gone before its time.
  const delays = await Promise.all([
    goneAfter("success", success.status?.completedAt ?? ""),
    goneAfter("failure", failure.status?.completedAt ?? ""),
    goneAfter("error", error.status?.completedAt ?? ""),
  ]);
  const [afterSuccess, afterFailure, afterError] = delays;
  t.diagnostic(`deleted after ${delays.join(", ")} ms`);
  assert.ok((afterSuccess ?? 0) >= 3000, `success: secondsAfterSuccess 3, gone after ${afterSuccess} ms`);
  assert.ok((afterFailure ?? 0) >= 2000, `failure: secondsAfterFailure 2, gone after ${afterFailure} ms`);
  assert.ok((afterError ?? 0) >= 2000, `error: secondsAfterCompletion 2, gone after ${afterError} ms`);
  // Requeued for the due time, not found by a late resync (slack for a loaded machine).
  for (const d of delays) assert.ok(d < 9000, `deleted promptly, not ${d} ms late`);

  // secondsAfterFailure does not apply to a Successful run, and nothing else is set. Had it
  // applied, "kept" would have been due 1 s after it completed; the same controller has since
  // deleted "success", due 3 s after a completion no earlier than kept's (less 1 s of slack), so
  // it had its chance. Its deletes up to now, from the audit log: the three due, nothing else.
  const keptDue = Date.parse(kept.status?.completedAt ?? "") + 1000;
  assert.ok(
    keptDue + 1000 <= Date.parse(success.status?.completedAt ?? "") + 3000,
    "kept would be due first",
  );
  const deletes = (await auditUntilNow(start, namespace)).filter((e) =>
    auditMatches(e, {
      namespace,
      resource: "analysisruns",
      verbs: ["delete"],
      userAgent: SLUICE_AGENT,
      succeeded: true,
    }),
  );
  assert.deepEqual(deletes.map(describeAudit).sort(), [
    "delete analysisruns/error 200",
    "delete analysisruns/failure 200",
    "delete analysisruns/success 200",
  ]);
  assert.ok(await get("kept"), "a run no TTL applies to is kept");

  // Due while no controller runs: deleted as soon as one starts. The TTL is set once the
  // controller is stopped, so only the next one can act on it.
  await create("restart", "pass", {});
  const restart = await completed("restart");
  await sluice.stop();
  const stoppedAt = await auditMark();
  await client.mergePatch(
    AnalysisRuns,
    { namespace, name: "restart" },
    { spec: { ttlStrategy: { secondsAfterCompletion: 1 } } },
    "test",
  );
  await clockReaches(Date.parse(restart.status?.completedAt ?? "") + 1000);
  assert.ok(await get("restart"), "nothing deleted it while the controller was down");
  const whileDown = (await auditUntilNow(stoppedAt, namespace)).filter((e) =>
    auditMatches(e, { namespace, userAgent: SLUICE_AGENT }),
  );
  assert.deepEqual(whileDown.map(describeAudit), [], "no sluice write while the controller was down");
  await startSluice(t, [analysisRunController], { namespace });
  await waitFor(
    "AnalysisRun restart to be deleted after the controller restarted",
    async () => ((await get("restart")) ? pending("still there") : true),
    { timeoutMs: 15_000 },
  );
  assert.ok(await get("kept"), "the restarted controller keeps it too");
});
