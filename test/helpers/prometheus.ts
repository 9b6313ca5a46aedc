// Prometheus access for integration tests: register scrape targets with the harness's Prometheus
// and run instant queries against it.
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import axios from "axios";
import { removeScrapeTarget, writeScrapeTarget } from "../cluster/prometheus.ts";
import { ENV, requireEnv } from "./env.ts";

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export function prometheusUrl(): string {
  return requireEnv(ENV.prometheusUrl);
}

/** Adds a scrape target (e.g. "127.0.0.1:9464") for the duration of the test. */
export async function addScrapeTarget(
  t: TestContext,
  hostPort: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const dir = requireEnv(ENV.prometheusTargets);
  const name = `target-${randomBytes(4).toString("hex")}`;
  await writeScrapeTarget(dir, name, hostPort, labels);
  t.after(() => removeScrapeTarget(dir, name));
}

/** An instant query; returns the samples of a vector or the single value of a scalar. */
export async function queryPrometheus(query: string, url = prometheusUrl()): Promise<Sample[]> {
  const response = await axios.get(`${url}/api/v1/query`, { params: { query }, timeout: 5000 });
  const data = response.data?.data;
  if (data?.resultType === "scalar") return [{ metric: {}, value: Number(data.result[1]) }];
  if (data?.resultType !== "vector") throw new Error(`unexpected result type ${data?.resultType}`);
  return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
    metric: r.metric,
    value: Number(r.value[1]),
  }));
}
