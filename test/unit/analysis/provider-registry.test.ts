// Metric providers are found through one registry by the key under `metric.provider`: a fake
// provider registered there measures (synchronously, or in flight and resumed), is stopped when its
// run ends, and is accepted by the up-front support check; a key with no provider is an Error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { endUnfinished, type Measuring, stepMetric } from "../../../src/analysis/measure.ts";
import { metricSupportProblem } from "../../../src/analysis/support.ts";
import type { AnalysisRun, Metric, MetricResult } from "../../../src/api/analysis.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import type { MetricProvider, Outcome, ProviderContext } from "../../../src/metricproviders/provider.ts";
import { metricProviders } from "../../../src/metricproviders/registry.ts";

const T0 = Date.parse("2026-12-05T00:00:00Z");

function measuring(providers = metricProviders, now = T0): Measuring & { counts: string[] } {
  const counts: string[] = [];
  return {
    counts,
    run: { metadata: { name: "run", namespace: "ns" }, spec: { metrics: [] } } as AnalysisRun,
    startedAt: new Date(T0).toISOString(),
    args: { values: new Map([["x", "7"]]), secrets: [] },
    retention: () => 10,
    now: () => now,
    providers,
    client: {} as KubeClient,
    policy: {},
    fieldManager: "test",
    counted: (provider, phase) => counts.push(`${provider} ${phase}`),
  };
}

const metric = (provider: Record<string, unknown>, extra: Partial<Metric> = {}): Metric =>
  ({ name: "m", provider, successCondition: "result >= 5", ...extra }) as Metric;

test("a registered synchronous provider measures with resolved args; its value is judged", async () => {
  const seen: ProviderContext[] = [];
  const fake: MetricProvider = {
    name: "fake",
    async start(context) {
      seen.push(context);
      const config = context.metric.provider?.fake as { answer: string };
      return { kind: "value", value: Number(config.answer), metadata: { asked: config.answer } };
    },
  };
  const m = measuring(metricProviders.extended(fake));
  const { result } = await stepMetric(m, metric({ fake: { answer: "{{args.x}}" } }), undefined);
  assert.equal(seen[0]?.measurement, 1);
  assert.equal(result.phase, "Successful");
  assert.deepEqual(
    result.measurements?.map((x) => [x.phase, x.value, x.metadata?.asked]),
    [["Successful", "7", "7"]],
  );
  assert.deepEqual(m.counts, ["fake Successful"]);
  assert.equal(metricSupportProblem(metric({ fake: {} }), m.providers), undefined);
  assert.match(metricSupportProblem(metric({ fake: {} })) ?? "", /provider fake is not supported yet/);
});

test("an asynchronous provider stays Running until resume decides; its start metadata is kept", async () => {
  let outcome: Outcome = { kind: "running", metadata: { ticket: "42" } };
  const resumedWith: Record<string, string>[] = [];
  const fake: MetricProvider = {
    name: "slow",
    start: async () => ({ kind: "running", metadata: { ticket: "42" } }),
    async resume(_context, metadata) {
      resumedWith.push(metadata);
      return outcome;
    },
  };
  const m = measuring(metricProviders.extended(fake));
  const slow = metric({ slow: {} });
  let step = await stepMetric(m, slow, undefined);
  assert.equal(step.result.phase, "Running");
  assert.equal(step.wakeUps.length, 1);
  step = await stepMetric(m, slow, step.result);
  assert.equal(step.result.phase, "Running", "still in flight");
  outcome = { kind: "verdict", phase: "Failed", message: "ticket rejected" };
  step = await stepMetric(m, slow, step.result);
  assert.deepEqual(resumedWith, [{ ticket: "42" }, { ticket: "42" }]);
  assert.equal(step.result.phase, "Failed");
  const last = step.result.measurements?.at(-1);
  assert.deepEqual([last?.phase, last?.message, last?.metadata?.ticket], ["Failed", "ticket rejected", "42"]);
  assert.equal(step.result.measurements?.length, 1, "the in-flight entry is replaced, not appended");
});

test("a run that ends stops a measurement in flight through its provider", async () => {
  const stopped: Record<string, string>[] = [];
  const fake: MetricProvider = {
    name: "slow",
    start: async () => ({ kind: "running", metadata: { ticket: "9" } }),
    async terminate(_context, metadata) {
      stopped.push(metadata);
    },
  };
  const m = measuring(metricProviders.extended(fake));
  const slow = metric({ slow: {} });
  const { result } = await stepMetric(m, slow, undefined);
  const results: MetricResult[] = [result];
  await endUnfinished(m, [slow], results);
  assert.deepEqual(stopped, [{ ticket: "9" }]);
  assert.equal(results[0]?.phase, "Successful");
  assert.equal(results[0]?.message, "Metric Terminated");
});

test("a provider key with nothing registered is an Error measurement naming it", async () => {
  const m = measuring();
  const { result } = await stepMetric(m, metric({ datadog: {} }, { consecutiveErrorLimit: 0 }), undefined);
  assert.equal(result.measurements?.[0]?.phase, "Error");
  assert.match(result.measurements?.[0]?.message ?? "", /provider datadog is not supported yet/);
});

test("the registry holds prometheus, web and job", () => {
  assert.deepEqual(metricProviders.names(), ["prometheus", "web", "job"]);
});
