// prometheus.rangeQuery against the harness's real Prometheus: a gauge that goes 1 → 3 gives,
// over the last 30s at a 1s step, a series holding both values (an instant query sees only 3);
// resolved start/end/step land in metadata; Prometheus's own errors pass through; a bad time
// expression fails before any request. Also the SLUICE_PROMETHEUS_ADDRESS fallback, directly and
// through the AnalysisRun controller.
import assert from "node:assert/strict";
import { test } from "node:test";
import { judge } from "../../../src/analysis/condition.ts";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { type PrometheusMetric, PrometheusProvider } from "../../../src/metricproviders/prometheus/index.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";
import { untilCompleted } from "../../helpers/analysis-runs.ts";
import { installAnalysisCrds, startGaugeExporter } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { prometheusUrl, queryPrometheus } from "../../helpers/prometheus.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const LAST_30S = { start: 'now() - duration("30s")', end: "now()", step: "1s" };

test("prometheus rangeQuery: the raw series over a window, metadata, errors", async (t) => {
  const gauge = await startGaugeExporter(t, "sluice_range_level", 1);
  await waitFor(
    "three scrapes at 1",
    async () => {
      const s = await queryPrometheus(`count_over_time(${gauge.query}[30s])`);
      return (s[0]?.value ?? 0) >= 3 ? true : pending(JSON.stringify(s));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  await gauge.set(3);
  const measure = (metric: Partial<PrometheusMetric>) =>
    new PrometheusProvider({ address: prometheusUrl(), query: gauge.query, ...metric }).measure();

  const before = Date.now();
  const range = await measure({ rangeQuery: LAST_30S });
  const after = Date.now();
  const values = range.value as number[];
  assert.ok(Array.isArray(values) && values.includes(1) && values.includes(3), JSON.stringify(values));
  assert.deepEqual(judge(values, "all(result, # >= 1)"), { phase: "Successful" });
  assert.deepEqual(judge(values, "len(result) > 1"), { phase: "Successful" });
  assert.deepEqual(
    judge(values, "all(result, # >= 3)"),
    { phase: "Failed" },
    "the window still holds the 1s",
  );
  assert.deepEqual((await measure({})).value, [3], "an instant query sees only the latest value");

  const meta = range.metadata ?? {};
  assert.equal(meta.ResolvedPrometheusQuery, gauge.query);
  assert.equal(meta.ResolvedPrometheusRangeQueryStep, "1s");
  const start = Date.parse(meta.ResolvedPrometheusRangeQueryStart ?? "");
  const end = Date.parse(meta.ResolvedPrometheusRangeQueryEnd ?? "");
  assert.equal(end - start, 30_000, JSON.stringify(meta));
  assert.ok(end >= before && end <= after, "now() is the measurement's time");

  // Prometheus's own refusals come through as they do for instant queries.
  await assert.rejects(
    measure({ query: "sum(", rangeQuery: LAST_30S }),
    (e: Error) => e instanceof MeasurementError && /bad_data/.test(e.message),
  );
  await assert.rejects(
    measure({ rangeQuery: { ...LAST_30S, start: "now()", end: 'now() - duration("1m")' } }),
    (e: Error) =>
      e instanceof MeasurementError && /bad_data: .*end timestamp must not be before start/.test(e.message),
  );
  await assert.rejects(
    measure({ rangeQuery: { ...LAST_30S, start: 'now() - duration("1h")', step: "100ms" } }),
    (e: Error) => e instanceof MeasurementError && /bad_data: .*11,000 points/.test(e.message),
  );
  // A bad time expression is ours to explain: field, expression, position; no request is made.
  await assert.rejects(
    new PrometheusProvider({
      address: "http://127.0.0.1:1",
      query: "up",
      rangeQuery: { ...LAST_30S, end: "now() * 2" },
    }).measure(),
    (e: Error) =>
      e instanceof MeasurementError &&
      e.message ===
        'prometheus.rangeQuery.end "now() * 2": unexpected "*" (only now(), duration("…"), + and - are allowed) at position 6',
  );
});

test("prometheus address falls back to SLUICE_PROMETHEUS_ADDRESS, also for AnalysisRuns", async (t) => {
  const gauge = await startGaugeExporter(t, "sluice_range_env", 2);
  const env = { SLUICE_PROMETHEUS_ADDRESS: prometheusUrl() };
  assert.deepEqual(
    (await new PrometheusProvider({ address: "", query: gauge.query }, {}, env).measure()).value,
    [2],
  );
  assert.deepEqual((await new PrometheusProvider({ query: gauge.query }, {}, env).measure()).value, [2]);
  assert.throws(
    () => new PrometheusProvider({ address: "", query: "up" }, {}, {}),
    (e: Error) =>
      e instanceof MeasurementError &&
      e.message === "prometheus.address is required (or set SLUICE_PROMETHEUS_ADDRESS)",
  );
  assert.throws(
    () => new PrometheusProvider({ query: "up" }, {}, { SLUICE_PROMETHEUS_ADDRESS: "prometheus:9090" }),
    /SLUICE_PROMETHEUS_ADDRESS "prometheus:9090" is not an http\(s\) URL/,
  );

  // Through the controller: the CRD keeps rangeQuery, {{args}} reach the time expression, the
  // address comes from the controller's environment, the resolved window lands in status.
  await installAnalysisCrds();
  const saved = process.env.SLUICE_PROMETHEUS_ADDRESS;
  process.env.SLUICE_PROMETHEUS_ADDRESS = prometheusUrl();
  t.after(() => {
    if (saved === undefined) delete process.env.SLUICE_PROMETHEUS_ADDRESS;
    else process.env.SLUICE_PROMETHEUS_ADDRESS = saved;
  });
  const namespace = await useNamespace(t, "range");
  await waitFor(
    "a few seconds of samples",
    async () => {
      const s = await queryPrometheus(`count_over_time(${gauge.query}[20s])`);
      return (s[0]?.value ?? 0) >= 5 ? true : pending(JSON.stringify(s));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  await client.create<AnalysisRun>(
    AnalysisRuns,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "window", namespace },
      spec: {
        args: [{ name: "lookback", value: "20s" }],
        metrics: [
          {
            name: "level",
            successCondition: "len(result) > 1 && all(result, # == 2)",
            provider: {
              prometheus: {
                query: gauge.query,
                rangeQuery: { start: 'now() - duration("{{args.lookback}}")', end: "now()", step: "2s" },
              },
            },
          },
        ],
      },
    },
    "test",
  );
  const run = await untilCompleted(namespace, "window");
  const measurement = run.status?.metricResults?.[0]?.measurements?.[0];
  assert.equal(run.status?.phase, "Successful", JSON.stringify(run.status));
  const meta = measurement?.metadata ?? {};
  assert.equal(meta.ResolvedPrometheusRangeQueryStep, "2s");
  assert.equal(
    Date.parse(meta.ResolvedPrometheusRangeQueryEnd ?? "") -
      Date.parse(meta.ResolvedPrometheusRangeQueryStart ?? ""),
    20_000,
  );
});
