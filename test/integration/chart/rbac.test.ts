// The chart's RBAC is enough for what the controller does: the chart's ServiceAccount, roles and
// bindings are installed for real, sluice runs with that ServiceAccount's token (leader election
// on), and a canary with background analysis, an analysis step with a Job metric and a
// secret-backed argument is rolled out, promoted and restarted. Any verb the chart forgot is a 403 the
// controller logs, so the log must show none and the rollout must finish.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import {
  AnalysisRuns,
  AnalysisTemplates,
  ClusterAnalysisTemplates,
  type ResourceType,
} from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { binaryPaths } from "../../cluster/binaries.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { createRollout, installRolloutCrd, podTemplate, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const run = promisify(execFile);
const chart = resolve(fileURLToPath(import.meta.url), "../../../../charts/sluice");

const RBAC_KINDS: Record<string, ResourceType> = {
  ServiceAccount: {
    group: "",
    version: "v1",
    plural: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
  },
  Role: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "roles",
    kind: "Role",
    namespaced: true,
  },
  RoleBinding: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "rolebindings",
    kind: "RoleBinding",
    namespaced: true,
  },
  ClusterRole: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
  },
  ClusterRoleBinding: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
};

/** Installs the chart's identity and permissions (not its Deployment) and returns a kubeconfig for it. */
async function installChartIdentity(
  t: TestContext,
  release: string,
  namespace: string,
  dir: string,
  values: string[],
): Promise<string> {
  const home = join(chart, "..", "..", ".sluice", "helm");
  const { stdout } = await run(
    binaryPaths().helm,
    ["template", release, chart, "--namespace", namespace, ...values],
    { env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home } },
  );
  const client = testClient();
  for (const doc of parseAllDocuments(stdout)) {
    const object = doc.toJS() as (KubeObject & { kind: string }) | null;
    const type = object ? RBAC_KINDS[object.kind] : undefined;
    if (!object || !type) continue;
    if (type.namespaced) object.metadata = { ...object.metadata, namespace };
    await client.create(type, object, "test");
    if (!type.namespaced)
      t.after(() => client.delete(type, { name: object.metadata?.name ?? "" }).catch(() => {}));
  }
  const token = await testKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({
      name: release,
      namespace,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [] } },
    });
  const cluster = testKubeConfig().getCurrentCluster();
  const caData =
    cluster?.caData ?? (cluster?.caFile ? (await readFile(cluster.caFile)).toString("base64") : "");
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: cluster?.server, "certificate-authority-data": caData } }],
    users: [{ name: release, user: { token: token.status?.token } }],
    contexts: [{ name: "c", context: { cluster: "c", user: release } }],
    "current-context": "c",
  };
  const file = join(dir, "kubeconfig");
  await writeFile(file, JSON.stringify(kubeconfig));
  return file;
}

for (const form of ["cluster-wide", "single-namespace"] as const)
  test(`the chart's RBAC (${form}) covers a canary with background, job, secret-backed and cluster-template analysis`, async (t) => {
    await installRolloutCrd();
    await installAnalysisCrds();
    const namespace = await useNamespace(t, "rbac");
    const release = `sluice-${randomBytes(3).toString("hex")}`;
    const client = testClient();
    const kubeconfig = await installChartIdentity(
      t,
      release,
      namespace,
      await mkdtemp(join(tmpdir(), "sluice-rbac-")),
      form === "single-namespace" ? ["--set", `watchNamespace=${namespace}`] : [],
    );

    // A JSON endpoint that wants the secret's token.
    const server = createServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ ok: req.headers.authorization === "Bearer s3cret" ? 1 : 0, up: 1 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    await client.create(
      { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "probe", namespace },
        stringData: { token: "s3cret" },
      },
      "test",
    );
    const web = (name: string, extra: Record<string, unknown>) => ({
      name,
      successCondition: "result == 1",
      provider: {
        web: { url, jsonPath: "{$.ok}", headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }] },
      },
      ...extra,
    });
    await client.create(
      AnalysisTemplates,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name: "checks", namespace },
        spec: {
          args: [{ name: "token", valueFrom: { secretKeyRef: { name: "probe", key: "token" } } }],
          metrics: [
            web("probe", {}),
            {
              name: "smoke",
              provider: {
                job: {
                  spec: {
                    backoffLimit: 0,
                    template: {
                      spec: { restartPolicy: "Never", containers: [{ name: "smoke", image: "smoke:1" }] },
                    },
                  },
                },
              },
            },
          ],
        },
      },
      "test",
    );
    await client.create(
      AnalysisTemplates,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name: "watch", namespace },
        spec: {
          args: [{ name: "token", valueFrom: { secretKeyRef: { name: "probe", key: "token" } } }],
          metrics: [web("steady", { interval: "1s" })],
        },
      },
      "test",
    );
    // Cluster-scoped: in the single-namespace form only the chart's extra ClusterRole grants it.
    const clusterTemplate = `${release}-up`;
    await client.create(
      ClusterAnalysisTemplates,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "ClusterAnalysisTemplate",
        metadata: { name: clusterTemplate },
        spec: {
          metrics: [
            { name: "up", successCondition: "result == 1", provider: { web: { url, jsonPath: "{$.up}" } } },
          ],
        },
      },
      "test",
    );
    t.after(() => client.delete(ClusterAnalysisTemplates, { name: clusterTemplate }).catch(() => {}));
    const sluice = await startSluice(t, [rolloutController, analysisRunController], {
      kubeconfig,
      namespace,
      leaderElect: true,
      leaderElectionNamespace: namespace,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 500,
    });
    await createRollout(namespace, {
      canary: {
        steps: [
          { setWeight: 50 },
          {
            analysis: {
              templates: [{ templateName: "checks" }, { templateName: clusterTemplate, clusterScope: true }],
            },
          },
        ],
        analysis: { templates: [{ templateName: "watch" }] },
      },
    });
    const rollout = rolloutIn(namespace);
    const v1 = await rollout.until("v1 Healthy", (r) => r.status?.phase === "Healthy", 45_000);
    await rollout.patchSpec({ template: podTemplate("web:2") });
    const done = await rollout.until(
      "v2 promoted through its analysis",
      (r) => r.status?.phase === "Healthy" && r.status.stableRS !== v1.status?.stableRS,
      60_000,
    );
    const runs = (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
    const byType = (type: string) => runs.filter((r) => r.metadata?.labels?.["rollout-type"] === type);
    const step = byType("Step")[0];
    assert.equal(step?.status?.phase, "Successful", "the step's probe, Job and cluster template passed");
    assert.deepEqual(step?.spec?.metrics?.map((m) => m.name).sort(), ["probe", "smoke", "up"]);
    await waitFor("the background run terminated by the controller", async () => {
      const [background] = (
        await client.list<AnalysisRun>(AnalysisRuns, { namespace, labelSelector: "rollout-type=Background" })
      ).items;
      return background?.spec?.terminate === true ? true : pending(JSON.stringify(background?.spec));
    });
    assert.ok(done.status?.stableRS);
    // A restart evicts pods (pods list, pods/eviction).
    const restartAt = new Date().toISOString();
    await rollout.patchSpec({ restartAt });
    await rollout.until("restarted", (r) => r.status?.restartedAt === restartAt, 45_000);
    const log = await readFile(sluice.logFile, "utf8");
    const refused = log.split("\n").filter((line) => /Forbidden|forbidden/.test(line));
    assert.deepEqual(refused, [], "no request of the controller was refused");
  });
