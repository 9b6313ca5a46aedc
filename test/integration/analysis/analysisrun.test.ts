// AnalysisRuns measured against the real Prometheus: a healthy metric completes Successful after
// `count` measurements; a failing one is Failed once failureLimit is exceeded; an unreachable
// Prometheus gives Error measurements, and past consecutiveErrorLimit the run is Error.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Gauge, Registry } from "prom-client";
import { parse } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun, Metric } from "../../../src/api/analysis.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { addScrapeTarget, prometheusUrl, queryPrometheus } from "../../helpers/prometheus.ts";
import { ensureCrd, metricValue, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const crdDir = resolve(fileURLToPath(import.meta.url), "../../../../crds");

test("AnalysisRuns: Successful after count, Failed past failureLimit, Error past consecutiveErrorLimit", async (t) => {
  for (const file of ["analysisrun.yaml", "analysistemplate.yaml", "clusteranalysistemplate.yaml"]) {
    await ensureCrd(parse(await readFile(join(crdDir, file), "utf8")));
  }
  const registry = new Registry();
  new Gauge({ name: "sluice_ar_good", help: "good", registers: [registry] }).set(0.97);
  new Gauge({ name: "sluice_ar_bad", help: "bad", registers: [registry] }).set(0.5);
  const server = createServer(async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await addScrapeTarget(t, instance);
  await waitFor(
    "the exporter scraped",
    async () => {
      const s = await queryPrometheus(`sluice_ar_good{instance="${instance}"}`);
      return s.length > 0 ? true : pending("not yet");
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  const namespace = await useNamespace(t, "analysis");
  const sluice = await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  const create = (name: string, metric: Metric, args: { name: string; value: string }[] = []) =>
    client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: { args, metrics: [metric] },
      },
      "test",
    );
  const finished = (name: string) =>
    waitFor(
      `AnalysisRun ${name} to complete`,
      async () => {
        const run = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name });
        return run.status?.completedAt ? run : pending(JSON.stringify(run.status ?? {}));
      },
      { timeoutMs: 30_000 },
    );
  const prometheus = (query: string) => ({ prometheus: { address: prometheusUrl(), query } });

  await create(
    "pass",
    {
      name: "ratio",
      interval: "1s",
      count: 3,
      successCondition: "result[0] >= 0.95",
      provider: prometheus("{{args.query}}"),
    },
    [{ name: "query", value: `sluice_ar_good{instance="${instance}"}` }],
  );
  await create("fail", {
    name: "ratio",
    interval: "1s",
    count: 5,
    failureLimit: 1,
    successCondition: "result[0] >= 0.95",
    provider: prometheus(`sluice_ar_bad{instance="${instance}"}`),
  });
  await create("error", {
    name: "ratio",
    interval: "1s",
    count: 5,
    consecutiveErrorLimit: 1,
    successCondition: "result[0] >= 0.95",
    provider: { prometheus: { address: "http://127.0.0.1:1", query: "up", timeout: 1 } },
  });

  const pass = await finished("pass");
  assert.equal(pass.status?.phase, "Successful");
  const ratio = pass.status?.metricResults?.[0];
  assert.equal(ratio?.count, 3);
  assert.deepEqual(
    ratio?.measurements?.map((m) => m.phase),
    ["Successful", "Successful", "Successful"],
  );
  assert.equal(ratio?.measurements?.[0]?.value, "[0.97]");
  assert.equal(
    ratio?.measurements?.[0]?.metadata?.ResolvedPrometheusQuery,
    `sluice_ar_good{instance="${instance}"}`,
  );
  assert.equal(pass.status?.runSummary?.successful, 1);

  const fail = await finished("fail");
  assert.equal(fail.status?.phase, "Failed");
  assert.equal(fail.status?.metricResults?.[0]?.failed, 2, "stopped as soon as the failure limit was passed");
  assert.match(
    fail.status?.message ?? "",
    /^Metric ".*" assessed Failed due to failed \(2\) > failureLimit \(1\)$/,
  );

  const error = await waitFor(
    "AnalysisRun error to complete",
    async () => {
      const run = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name: "error" });
      return run.status?.completedAt
        ? run
        : pending(JSON.stringify(run.status?.metricResults?.[0]?.measurements?.length ?? 0));
    },
    { timeoutMs: 40_000 },
  );
  assert.equal(error.status?.phase, "Error");
  const measurements = error.status?.metricResults?.[0]?.measurements ?? [];
  assert.equal(
    measurements.length,
    2,
    "the first Error is retried (10 s later), the second passes the limit",
  );
  assert.ok(measurements.every((m) => m.phase === "Error" && /unreachable/.test(m.message ?? "")));
  assert.equal(error.status?.metricResults?.[0]?.count ?? 0, 0, "Error measurements do not count");

  // The runs as metrics.
  const info = (name: string, phase: string) =>
    metricValue(
      sluice.metricsPort,
      `sluice_analysis_run_info{namespace="${namespace}",name="${name}",phase="${phase}"}`,
    );
  assert.equal(await info("pass", "Successful"), 1);
  assert.equal(await info("fail", "Failed"), 1);
  assert.equal(await info("error", "Error"), 1);
  assert.equal(
    await metricValue(
      sluice.metricsPort,
      `sluice_analysis_run_metric_phase{namespace="${namespace}",name="fail",metric="ratio",phase="Failed"}`,
    ),
    1,
  );
  assert.ok(
    (await metricValue(
      sluice.metricsPort,
      'sluice_analysis_measurements_total{provider="prometheus",phase="Successful"}',
    )) >= 3,
  );
  assert.ok(
    (await metricValue(
      sluice.metricsPort,
      'sluice_analysis_measurements_total{provider="prometheus",phase="Error"}',
    )) >= 2,
  );
});
