// A secret argument reaches the provider and nothing else: Prometheus requires basic auth and the
// password exists only in a Secret referenced by secretKeyRef. The query succeeding proves the
// password arrived; searching status, Events and the controller's logs proves it never leaked.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns, Events, Secrets } from "../../../src/kube/resources.ts";
import { Prometheus } from "../../cluster/prometheus.ts";
import { untilCompleted } from "../../helpers/analysis-runs.ts";
import { readAllAuditEvents } from "../../helpers/audit.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { prometheusUrl } from "../../helpers/prometheus.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/analysisrun.yaml");

test("a secretKeyRef password authenticates to Prometheus and appears nowhere", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const prometheus = await Prometheus.start({
    dir: await mkdtemp(join(tmpdir(), "sluice-prom-auth-")),
    basicAuth: { username: "sluice", password },
  });
  t.after(() => prometheus.stop());
  const namespace = await useNamespace(t, "secrets");
  const client = testClient();
  await client.create(
    Secrets,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "prom-auth", namespace },
      data: { password: Buffer.from(password).toString("base64") },
    },
    "test",
  );
  const sluice = await startSluice(t, [analysisRunController], { namespace });
  const run = (name: string, username: string, query: string) =>
    client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: {
          args: [{ name: "password", valueFrom: { secretKeyRef: { name: "prom-auth", key: "password" } } }],
          metrics: [
            {
              name: "authed",
              successCondition: "result[0] == 1",
              consecutiveErrorLimit: 0,
              provider: {
                prometheus: {
                  address: prometheus.url,
                  query,
                  authentication: { basicAuth: { username, password: "{{args.password}}" } },
                },
              },
            },
          ],
        },
      },
      "test",
    );
  // The second query carries the secret inside it, so its resolved form must be redacted.
  await run("ok", "sluice", 'vector(1) or up{p="{{args.password}}"}');
  await run("denied", "intruder", "vector(1)");
  const done = (name: string) => untilCompleted(namespace, name);
  const ok = await done("ok");
  assert.equal(ok.status?.phase, "Successful", "the password from the Secret reached Prometheus");
  const resolved = ok.status?.metricResults?.[0]?.measurements?.[0]?.metadata?.ResolvedPrometheusQuery ?? "";
  assert.match(resolved, /up\{p="\*\*\*\*\*"\}/);
  const denied = await done("denied");
  assert.equal(denied.status?.phase, "Error", "a wrong user is refused: auth is really on");
  assert.match(denied.status?.metricResults?.[0]?.measurements?.[0]?.message ?? "", /HTTP 401/);

  const statuses = JSON.stringify([ok, denied]);
  const events = JSON.stringify((await client.list(Events, { namespace })).items);
  const logs = await readFile(sluice.logFile, "utf8");
  assert.ok(logs.length > 0);
  for (const [where, text] of [
    ["status", statuses],
    ["events", events],
    ["logs", logs],
  ] as const) {
    assert.ok(!text.includes(password), `the password leaked into ${where}`);
    assert.ok(
      !text.includes(Buffer.from(password).toString("base64")),
      `the base64 password leaked into ${where}`,
    );
  }
});

test("a run reads its Secret only when a metric that uses it measures", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "secret-reads");
  const client = testClient();
  await client.create(
    Secrets,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "token", namespace },
      data: { value: Buffer.from("s3cret").toString("base64") },
    },
    "test",
  );
  await startSluice(t, [analysisRunController], { namespace });
  const prometheus = (extra: Record<string, unknown> = {}) => ({
    prometheus: { address: prometheusUrl(), query: "vector(1)", ...extra },
  });
  await client.create<AnalysisRun>(
    AnalysisRuns,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "AnalysisRun",
      metadata: { name: "reads", namespace },
      spec: {
        args: [{ name: "token", valueFrom: { secretKeyRef: { name: "token", key: "value" } } }],
        metrics: [
          // Measured once, with the Secret.
          {
            name: "authed",
            successCondition: "result[0] == 1",
            provider: prometheus({ headers: [{ key: "X-Token", value: "{{args.token}}" }] }),
          },
          // Measured four times a second apart, reconciling the run each time: no Secret needed.
          {
            name: "plain",
            interval: "1s",
            count: 4,
            successCondition: "result[0] == 1",
            provider: prometheus(),
          },
        ],
      },
    },
    "test",
  );
  const done = await untilCompleted(namespace, "reads");
  assert.equal(done.status?.phase, "Successful");
  assert.equal(done.status?.metricResults?.find((r) => r.name === "plain")?.count, 4);
  const reads = (await readAllAuditEvents()).filter(
    (e) =>
      e.verb === "get" &&
      e.objectRef?.resource === "secrets" &&
      e.objectRef.namespace === namespace &&
      e.userAgent?.startsWith("sluice/"),
  );
  assert.equal(reads.length, 1, "one measurement used the Secret, so one read");
});
