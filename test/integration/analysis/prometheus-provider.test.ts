// The Prometheus provider against the harness's real Prometheus, scraping a prom-client exporter
// in this process: vector, scalar, matrix, empty, NaN and +Inf results, query errors, an
// unreachable server — and the conditions the peer's users write over them.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Gauge, Registry } from "prom-client";
import { judge } from "../../../src/analysis/condition.ts";
import { PrometheusProvider } from "../../../src/metricproviders/prometheus/index.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";
import { addScrapeTarget, prometheusUrl, queryPrometheus } from "../../helpers/prometheus.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("prometheus provider: result shapes and conditions over them", async (t) => {
  const registry = new Registry();
  const gauge = (name: string, value: number) =>
    new Gauge({ name, help: name, registers: [registry] }).set(value);
  gauge("sluice_analysis_success_ratio", 0.97);
  gauge("sluice_analysis_nan", Number.NaN);
  gauge("sluice_analysis_inf", Number.POSITIVE_INFINITY);
  const server = createServer(async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await addScrapeTarget(t, instance);
  const sel = (name: string) => `${name}{instance="${instance}"}`;
  await waitFor(
    "two scrapes of the exporter",
    async () => {
      const s = await queryPrometheus(`count_over_time(${sel("sluice_analysis_success_ratio")}[1m])`);
      return (s[0]?.value ?? 0) >= 2 ? true : pending(JSON.stringify(s));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const measure = (query: string) => new PrometheusProvider({ address: prometheusUrl(), query }).measure();

  const vector = await measure(sel("sluice_analysis_success_ratio"));
  assert.deepEqual(vector.value, [0.97]);
  assert.equal(vector.metadata?.ResolvedPrometheusQuery, sel("sluice_analysis_success_ratio"));
  assert.deepEqual(judge(vector.value, "result[0] >= 0.95"), { phase: "Successful" });
  assert.deepEqual(judge(vector.value, "result[0] >= 0.99"), { phase: "Failed" });

  assert.equal((await measure(`scalar(${sel("sluice_analysis_success_ratio")})`)).value, 0.97);

  const matrix = (await measure(`${sel("sluice_analysis_success_ratio")}[30s]`)).value as number[];
  assert.ok(
    Array.isArray(matrix) && matrix.length >= 2 && matrix.every((v) => v === 0.97),
    JSON.stringify(matrix),
  );

  const empty = await measure('sluice_analysis_absent{job="nothing"}');
  assert.deepEqual(empty.value, []);
  const onEmpty = judge(empty.value, "result[0] >= 0.95");
  assert.equal(onEmpty.phase, "Error");
  assert.match(onEmpty.message ?? "", /metric result is nil or empty/);
  assert.deepEqual(judge(empty.value, "len(result) == 0 || result[0] >= 0.95"), { phase: "Successful" });

  const nan = await measure(sel("sluice_analysis_nan"));
  assert.ok(Number.isNaN((nan.value as number[])[0]));
  assert.deepEqual(judge(nan.value, "result[0] >= 0.95"), { phase: "Failed" }, "NaN compares false");
  assert.deepEqual(judge(nan.value, "isNaN(result[0]) || result[0] >= 0.95"), { phase: "Successful" });

  const inf = await measure(sel("sluice_analysis_inf"));
  assert.deepEqual(inf.value, [Number.POSITIVE_INFINITY]);
  assert.deepEqual(judge(inf.value, "isInf(result[0])"), { phase: "Successful" });

  await assert.rejects(
    measure("sum("),
    (e: Error) => e instanceof MeasurementError && /bad_data/.test(e.message),
  );
  await assert.rejects(
    new PrometheusProvider({ address: "http://127.0.0.1:1", query: "up", timeout: 2 }).measure(),
    (e: Error) => e instanceof MeasurementError && /unreachable/.test(e.message),
  );
  assert.throws(
    () => new PrometheusProvider({ address: "prometheus:9090", query: "up" }),
    /not an http\(s\) URL/,
  );
});
