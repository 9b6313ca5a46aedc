// A small metrics exporter for analysis tests: one gauge the test sets, served by prom-client on
// 127.0.0.1 and scraped by the harness's Prometheus (1 s scrape), plus the AnalysisRun CRDs.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { Gauge, Registry } from "prom-client";
import { parse } from "yaml";
import { AnalysisTemplates } from "../../src/kube/resources.ts";
import { testClient } from "./kube.ts";
import { addScrapeTarget, prometheusUrl, queryPrometheus } from "./prometheus.ts";
import { ensureCrd } from "./sluice.ts";
import { pending, waitFor } from "./wait.ts";

const crdDir = resolve(fileURLToPath(import.meta.url), "../../../crds");

export async function installAnalysisCrds(): Promise<void> {
  for (const file of ["analysisrun.yaml", "analysistemplate.yaml", "clusteranalysistemplate.yaml"]) {
    await ensureCrd(parse(await readFile(join(crdDir, file), "utf8")));
  }
}

export interface GaugeExporter {
  /** PromQL selecting this exporter's gauge. */
  query: string;
  /** Sets the gauge and waits until Prometheus has scraped the new value. */
  set(value: number): Promise<void>;
}

export async function startGaugeExporter(
  t: TestContext,
  name: string,
  initial: number,
): Promise<GaugeExporter> {
  const registry = new Registry();
  const gauge = new Gauge({ name, help: `${name} (test gauge)`, registers: [registry] });
  const server = createServer(async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const instance = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await addScrapeTarget(t, instance);
  const query = `${name}{instance="${instance}"}`;
  const set = async (value: number) => {
    gauge.set(value);
    await waitFor(
      `Prometheus to see ${name} = ${value}`,
      async () => {
        const samples = await queryPrometheus(query);
        return samples[0]?.value === value ? true : pending(JSON.stringify(samples));
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  };
  await set(initial);
  return { query, set };
}

/** An AnalysisTemplate `name` whose one metric `ratio` queries Prometheus for `{{args.query}}`. */
export async function createRatioTemplate(
  namespace: string,
  metric: Record<string, unknown>,
  options: { name?: string; address?: string } = {},
): Promise<void> {
  await testClient().create(
    AnalysisTemplates,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: options.name ?? "success-rate", namespace },
      spec: {
        args: [{ name: "query" }],
        metrics: [
          {
            name: "ratio",
            provider: {
              prometheus: { address: options.address ?? prometheusUrl(), query: "{{args.query}}" },
            },
            ...metric,
          },
        ],
      },
    },
    "test",
  );
}
