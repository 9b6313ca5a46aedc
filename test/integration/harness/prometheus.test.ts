// Proof that analysis tests can use a real Prometheus: it scrapes a prom-client exporter served by
// this test process on 127.0.0.1 and answers queries with the exported values.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Gauge, Registry } from "prom-client";
import { addScrapeTarget, queryPrometheus } from "../../helpers/prometheus.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("Prometheus scrapes a prom-client exporter on loopback and answers queries", async (t) => {
  const registry = new Registry();
  const ratio = new Gauge({
    name: "sluice_harness_success_ratio",
    help: "success ratio set by the test",
    registers: [registry],
  });
  ratio.set(0.97);
  const server = createServer(async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const instance = `127.0.0.1:${port}`;
  await addScrapeTarget(t, instance);

  const query = `sluice_harness_success_ratio{instance="${instance}"}`;
  const valueNow = async (want: number) => {
    const samples = await queryPrometheus(query);
    return samples[0]?.value === want ? samples : pending(JSON.stringify(samples));
  };
  const first = await waitFor("Prometheus to return 0.97 for the exporter's gauge", () => valueNow(0.97), {
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  assert.equal(first.length, 1);
  assert.equal(first[0]?.metric.job, "sluice-test");

  ratio.set(0.42);
  await waitFor("Prometheus to see the gauge change to 0.42", () => valueNow(0.42), {
    timeoutMs: 15_000,
    intervalMs: 250,
  });
});
