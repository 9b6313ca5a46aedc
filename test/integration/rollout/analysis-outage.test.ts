// A Prometheus outage during a canary's analysis step: the test's own Prometheus is stopped while
// the step's AnalysisRun is measuring. The Error measurements that follow (one every 10 s, the
// peer's retry) must not promote the canary while they are within consecutiveErrorLimit; the one
// past the limit makes the run Error and the rollout aborts back to the stable ReplicaSet.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { Gauge, Registry } from "prom-client";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun, MetricResult } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { AnalysisRuns, Events, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject, WatchEvent } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { Prometheus } from "../../cluster/prometheus.ts";
import { auditMark, auditMatches, auditUntilNow, describeAudit, SLUICE_AGENT } from "../../helpers/audit.ts";
import { createRatioTemplate, installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { queryPrometheus } from "../../helpers/prometheus.ts";
import {
  createRollout,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { inVersionOrder, recordWatch } from "../../helpers/watch.ts";

const ERROR_LIMIT = 2;
const ANALYSIS_STEP = 1;

/** A Prometheus of this test's own (it is stopped mid-test) scraping a gauge served on loopback. */
async function ownPrometheusWithGauge(t: TestContext, name: string, value: number) {
  const prometheus = await Prometheus.start({ dir: await mkdtemp(join(tmpdir(), "sluice-prom-outage-")) });
  t.after(() => prometheus.stop());
  const registry = new Registry();
  new Gauge({ name, help: `${name} (test gauge)`, registers: [registry] }).set(value);
  const server = createServer(async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await prometheus.addTarget("gauge", instance);
  const query = `${name}{instance="${instance}"}`;
  await waitFor(
    `own Prometheus to scrape ${name}`,
    async () => {
      const samples = await queryPrometheus(query, prometheus.url);
      return samples[0]?.value === value ? true : pending(JSON.stringify(samples));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return { prometheus, query };
}

const errorsOf = (result: MetricResult | undefined) =>
  (result?.measurements ?? []).filter((m) => m.phase === "Error");

test("a Prometheus outage gives Error measurements that do not promote, and past consecutiveErrorLimit abort", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const { prometheus, query } = await ownPrometheusWithGauge(t, "sluice_outage_success_ratio", 0.99);

  const namespace = await useNamespace(t, "outage");
  const client = testClient();
  await createRatioTemplate(
    namespace,
    {
      // Still measuring when Prometheus goes away: 30 Successful measurements take 30 s, and
      // Error measurements do not count toward them.
      interval: "1s",
      count: 30,
      consecutiveErrorLimit: ERROR_LIMIT,
      successCondition: "result[0] >= 0.95",
      provider: { prometheus: { address: prometheus.url, query: "{{args.query}}", timeout: 2 } },
    },
    { address: prometheus.url },
  );
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createRollout(namespace, {
    canary: {
      steps: [
        { setWeight: 50 },
        {
          analysis: {
            templates: [{ templateName: "success-rate" }],
            args: [{ name: "query", value: query }],
          },
        },
      ],
    },
  });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";
  assert.ok(h1, "v1 has a stable hash");

  await web.patchSpec({ template: podTemplate("web:2") });
  const h2 =
    (
      await web.until(
        "v2 on the analysis step",
        (r) => r.status?.currentStepIndex === ANALYSIS_STEP && r.status.currentPodHash !== h1,
      )
    ).status?.currentPodHash ?? "";
  const stepRun = () =>
    waitFor("the step AnalysisRun", async () => {
      const runs = await client.list<AnalysisRun>(AnalysisRuns, {
        namespace,
        labelSelector: `rollout-type=Step,step-index=${ANALYSIS_STEP},rollouts-pod-template-hash=${h2}`,
      });
      return runs.items.length === 1 ? (runs.items[0] as AnalysisRun) : pending(`${runs.items.length} runs`);
    });
  const measuring = await waitFor("a Successful measurement before the outage", async () => {
    const run = await stepRun();
    const ratio = run.status?.metricResults?.[0];
    return (ratio?.successful ?? 0) >= 1 ? run : pending(JSON.stringify(ratio ?? run.status ?? {}));
  });
  const runName = measuring.metadata?.name ?? "";
  assert.match(runName, new RegExp(`^web-${h2}-\\d+-${ANALYSIS_STEP}$`));

  // Every change of the Rollout and of the run from here on, replayed below in the order they
  // were made: "never promoted" and "not aborted while Running" hold at each one, not at samples.
  const rolloutWatch = recordWatch<Rollout>(t, Rollouts, { namespace, fieldSelector: "metadata.name=web" });
  const runWatch = recordWatch<AnalysisRun>(t, AnalysisRuns, {
    namespace,
    fieldSelector: `metadata.name=${runName}`,
  });
  const started = (events: readonly unknown[]) => (events.length > 0 ? true : undefined);
  await rolloutWatch.until("the Rollout watch to start", started);
  await runWatch.until("the run watch to start", started);

  await prometheus.stop();
  const stoppedAt = Date.now();
  await assert.rejects(queryPrometheus("up", prometheus.url), "the own Prometheus is down");

  const run = await runWatch.until(
    "the step run to complete after the outage",
    (events) => events.find((e) => e.object.status?.completedAt)?.object,
    45_000,
  );
  const completedIn = Date.now() - stoppedAt;
  const ratio = run.status?.metricResults?.[0];
  const errors = errorsOf(ratio);
  t.diagnostic(
    `outage: run ${run.status?.phase} ${completedIn} ms after the stop; error measurements at ` +
      errors.map((m) => `+${Date.parse(m.startedAt ?? "") - stoppedAt}ms`).join(", "),
  );

  assert.equal(run.status?.phase, "Error");
  assert.equal(ratio?.phase, "Error");
  assert.equal(ratio?.consecutiveError, ERROR_LIMIT + 1);
  assert.equal(ratio?.error, ERROR_LIMIT + 1);
  assert.equal(errors.length, ERROR_LIMIT + 1, "every measurement since the stop is an Error");
  assert.deepEqual(
    ratio?.measurements?.slice(-(ERROR_LIMIT + 1)).map((m) => m.phase),
    Array(ERROR_LIMIT + 1).fill("Error"),
    "the Errors are the latest measurements",
  );
  assert.equal(ratio?.count, ratio?.successful, "Error measurements do not count");
  assert.ok((ratio?.count ?? 0) < 30, "the run ended on the errors, not on count");
  for (const m of errors) {
    assert.match(
      m.message ?? "",
      new RegExp(`Prometheus at ${prometheus.url} unreachable: (ECONNREFUSED|ECONNRESET)$`),
    );
  }
  // The peer's run message: the limit passed, and the last measurement's error.
  assert.match(
    run.status?.message ?? "",
    new RegExp(
      `^Metric "ratio" assessed Error due to consecutiveErrors \\(${ERROR_LIMIT + 1}\\) > consecutiveErrorLimit \\(${ERROR_LIMIT}\\): "Error Message: Prometheus at .* unreachable`,
    ),
  );
  // The peer retries an Error after 10 s whatever the interval: the limit is passed ~20 s in.
  const gaps = errors
    .slice(1)
    .map((m, i) => Date.parse(m.startedAt ?? "") - Date.parse(errors[i]?.finishedAt ?? ""));
  assert.ok(
    gaps.every((g) => g >= 9_500),
    `Errors retried after 10 s: ${gaps.join(",")} ms`,
  );

  const aborted = await web.until(
    "the rollout to abort on the Error run",
    (r) => r.status?.abort === true && r.status.phase === "Degraded",
  );
  assert.equal(aborted.status?.stableRS, h1, "the stable is still v1");
  const replay = replayOutage(inVersionOrder<Rollout | AnalysisRun>(rolloutWatch.events, runWatch.events), {
    h1,
    runName,
  });
  t.diagnostic(
    `outage: ${replay.whileRunning} changes while the run was Running saw consecutive errors ` +
      `${[...replay.errorCounts].join(",")}`,
  );
  for (let n = 1; n <= ERROR_LIMIT; n++) {
    assert.ok(
      replay.errorCounts.has(n),
      `${n} consecutive error(s) seen in status while the run was Running`,
    );
  }
  assert.match(
    aborted.status?.message ?? "",
    /^RolloutAborted: Rollout aborted update to revision 2: Metric "ratio" assessed Error due to consecutiveErrors \(3\) > consecutiveErrorLimit \(2\)/,
  );
  await waitFor("the canary scaled away, v1 whole again", async () => {
    const s = await scalesByHash(namespace);
    return s[h2]?.[0] === 0 && s[h1]?.[1] === 2 ? true : pending(JSON.stringify(s));
  });

  // The user is told why: a Warning Event names the run and the connection failure.
  const errorEvents = async () =>
    (
      await client.list<KubeObject & { reason?: string; type?: string; message?: string; count?: number }>(
        Events,
        { namespace },
      )
    ).items.filter((e) => e.reason === "AnalysisRunError");
  // Repeats fold into one Event with a higher count: count occurrences, not objects.
  const occurrences = (events: { count?: number }[]) => events.reduce((n, e) => n + (e.count ?? 1), 0);
  const reported = await waitFor("the AnalysisRunError Event", async () => {
    const found = await errorEvents();
    return found.length > 0 ? found : pending("none yet");
  });
  t.diagnostic(`${occurrences(reported)} AnalysisRunError occurrence(s) once the abort settled`);
  assert.equal(occurrences(reported), 1, "the Error is reported once");
  for (const e of reported) {
    assert.equal(e.type, "Warning");
    assert.match(e.message ?? "", /^Step-based analysis phase error: .*unreachable: ECONN/);
    assert.ok(e.message?.endsWith(`(AnalysisRun ${runName})`), e.message);
  }
  // The aborted Rollout still says which run aborted it.
  const settled = await client.get<Rollout>(Rollouts, { namespace, name: "web" });
  assert.equal(settled.status?.canary?.currentStepAnalysisRunStatus?.name, runName);
  assert.equal(settled.status?.canary?.currentStepAnalysisRunStatus?.status, "Error");
  // Another look at the aborted Rollout reports nothing new: a reconcile begun after the mark is
  // seen to finish (Events included), and the audit log shows no Event written up to then.
  const mark = await auditMark();
  await web.lookFinished();
  const eventWrites = (await auditUntilNow(mark, namespace)).filter((e) =>
    auditMatches(e, { namespace, resource: "events", userAgent: SLUICE_AGENT }),
  );
  assert.deepEqual(eventWrites.map(describeAudit), [], "no Event written by another look");
  assert.equal(occurrences(await errorEvents()), 1, "no further AnalysisRunError Event");
});

/**
 * Replays the Rollout's and the run's changes in the order they were made and checks each state:
 * never promoted; while the run is Running, within the error limit and the rollout held on the
 * analysis step at 50%, not aborted. Returns what the Running states showed.
 */
function replayOutage(
  events: WatchEvent<Rollout | AnalysisRun>[],
  expected: { h1: string; runName: string },
) {
  let rollout: Rollout | undefined;
  let run: AnalysisRun | undefined;
  const errorCounts = new Set<number>();
  let whileRunning = 0;
  for (const event of events) {
    if (event.object.kind === "Rollout") rollout = event.object as Rollout;
    else run = event.object as AnalysisRun;
    if (!rollout || !run) continue;
    const consecutive = run.status?.metricResults?.[0]?.consecutiveError ?? 0;
    const state = JSON.stringify({
      version: event.object.metadata?.resourceVersion,
      run: run.status?.phase,
      consecutive,
      step: rollout.status?.currentStepIndex,
      stable: rollout.status?.stableRS,
      abort: rollout.status?.abort,
    });
    assert.equal(rollout.status?.stableRS, expected.h1, `stable still v1: ${state}`);
    assert.notEqual(rollout.status?.phase, "Healthy", `not Healthy on v2: ${state}`);
    if (run.status?.phase !== "Running") continue;
    whileRunning++;
    if (consecutive > 0) errorCounts.add(consecutive);
    assert.ok(consecutive <= ERROR_LIMIT, `Running with ${consecutive} consecutive errors: ${state}`);
    assert.equal(rollout.status?.currentStepIndex, ANALYSIS_STEP, `still on the analysis step: ${state}`);
    assert.notEqual(rollout.status?.abort, true, `not aborted while the run is Running: ${state}`);
    assert.equal(rollout.status?.canary?.weights?.canary.weight, 50, `canary held at 50%: ${state}`);
    assert.equal(rollout.status?.canary?.currentStepAnalysisRunStatus?.name, expected.runName, state);
  }
  return { errorCounts, whileRunning };
}
