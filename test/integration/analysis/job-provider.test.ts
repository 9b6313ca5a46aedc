// The job provider: a measurement is a Job (pods run by kwok). A Job that completes is a
// Successful measurement; one whose pod fails (kwok's fail stage) fails the analysis.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns, Jobs } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/analysisrun.yaml");

const jobSpec = (fail: boolean) => ({
  backoffLimit: 0,
  template: {
    metadata: { labels: fail ? { "kwok.sluice.dev/fail": "true" } : {} },
    spec: { restartPolicy: "Never", containers: [{ name: "check", image: "registry.example/check:1" }] },
  },
});

test("job metrics: a completed Job succeeds, a failed Job fails the run", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "jobs");
  await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  const run = async (name: string, fail: boolean, count: number) => {
    await client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: {
          metrics: [{ name: "smoke", count, interval: "1s", provider: { job: { spec: jobSpec(fail) } } }],
        },
      },
      "test",
    );
    return waitFor(
      `${name} completes`,
      async () => {
        const r = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name });
        return r.status?.completedAt ? r : pending(JSON.stringify(r.status?.metricResults?.[0] ?? {}));
      },
      { timeoutMs: 60_000 },
    );
  };
  const [pass, fail] = await Promise.all([run("pass", false, 2), run("fail", true, 2)]);
  assert.equal(pass.status?.phase, "Successful");
  assert.deepEqual(
    pass.status?.metricResults?.[0]?.measurements?.map((m) => m.phase),
    ["Successful", "Successful"],
  );
  assert.equal(fail.status?.phase, "Failed");
  const failed = fail.status?.metricResults?.[0]?.measurements?.[0];
  assert.equal(failed?.phase, "Failed");
  assert.match(failed?.message ?? "", /Job .* failed/);
  const jobs = await client.list<KubeObject>(Jobs, { namespace });
  const names = jobs.items.map((j) => j.metadata?.name ?? "").sort();
  assert.equal(names.length, 3, "one Job per measurement");
  assert.match(names[0] ?? "", /^fail-smoke-[0-9a-f]{5}-1$/, "named for its run, metric and measurement");
  assert.match(names[1] ?? "", /^pass-smoke-[0-9a-f]{5}-1$/);
  assert.match(names[2] ?? "", /^pass-smoke-[0-9a-f]{5}-2$/);
  assert.ok(jobs.items.every((j) => j.metadata?.ownerReferences?.[0]?.kind === "AnalysisRun"));
});

test("terminating a run ends its unfinished metrics with the peer's message and stops the Job in flight", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "job-terminate");
  await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  // The Job's pod runs until deleted (kwok: a never-ready Job pod never completes).
  const forever = {
    backoffLimit: 0,
    template: {
      metadata: { labels: { "kwok.sluice.dev/never-ready": "true" } },
      spec: { restartPolicy: "Never", containers: [{ name: "check", image: "registry.example/check:1" }] },
    },
  };
  await client.create<AnalysisRun>(
    AnalysisRuns,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "long", namespace },
      spec: { metrics: [{ name: "smoke", count: 1, provider: { job: { spec: forever } } }] },
    },
    "test",
  );
  const get = () => client.get<AnalysisRun>(AnalysisRuns, { namespace, name: "long" });
  await waitFor("the Job measurement in flight", async () => {
    const r = await get();
    return r.status?.metricResults?.[0]?.measurements?.[0]?.phase === "Running"
      ? r
      : pending(JSON.stringify(r.status));
  });
  await client.mergePatch(AnalysisRuns, { namespace, name: "long" }, { spec: { terminate: true } }, "test");
  const ended = await waitFor("terminated", async () => {
    const r = await get();
    return r.status?.completedAt ? r : pending(JSON.stringify(r.status?.metricResults?.[0] ?? {}));
  });
  assert.equal(ended.status?.phase, "Successful");
  const result = ended.status?.metricResults?.[0];
  assert.equal(result?.phase, "Successful");
  assert.equal(result?.message, "Metric Terminated");
  assert.deepEqual(
    result?.measurements?.map((m) => [m.phase, m.message]),
    [["Successful", "Metric Terminated"]],
  );
  await waitFor("the Job in flight deleted", async () => {
    const jobs = await client.list<KubeObject>(Jobs, { namespace });
    const live = jobs.items.filter((j) => !j.metadata?.deletionTimestamp);
    return live.length === 0 ? true : pending(live.map((j) => j.metadata?.name).join());
  });
});
