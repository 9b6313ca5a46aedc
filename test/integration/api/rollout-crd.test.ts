// The Rollout CRD on the real API server: it installs (server-side apply: it is large), keeps every
// field a peer manifest carries (nothing pruned), stores sluice's machine state in status, serves
// the scale subresource an HPA uses, and prints the peer's columns.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { Rollout } from "../../../src/api/rollout.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/rollout.yaml");
const ref = (namespace: string) => ({
  group: "sluice.dev",
  version: "v1alpha1",
  namespace,
  plural: "rollouts",
});

/** A manifest as a team migrating from Argo Rollouts would have it: many peer fields at once. */
function peerManifest(): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" }, annotations: { team: "a" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "registry.example/web:1.0",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              resources: { requests: { cpu: "100m", memory: "64Mi" } },
              readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
            },
          ],
        },
      },
      minReadySeconds: 5,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 120,
      progressDeadlineAbort: true,
      restartAt: "2026-11-26T08:00:00Z",
      rollbackWindow: { revisions: 2 },
      analysis: { successfulRunHistoryLimit: 3, unsuccessfulRunHistoryLimit: 2 },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          maxSurge: "25%",
          maxUnavailable: 0,
          scaleDownDelaySeconds: 30,
          abortScaleDownDelaySeconds: 10,
          dynamicStableScale: false,
          minPodsPerReplicaSet: 2,
          canaryMetadata: { labels: { role: "canary" } },
          stableMetadata: { labels: { role: "stable" } },
          antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } },
          analysis: {
            templates: [{ templateName: "success-rate" }],
            startingStep: 2,
            args: [
              { name: "service", value: "web" },
              { name: "hash", valueFrom: { podTemplateHashValue: "Latest" } },
            ],
          },
          trafficRouting: {
            nginx: { stableIngress: "web", additionalIngressAnnotations: { "canary-by-header": "X-Canary" } },
            plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web", namespace: "default" } },
            managedRoutes: [{ name: "header" }],
            maxTrafficWeight: 100,
            istio: { virtualService: { name: "web", routes: ["primary"] } },
          },
          steps: [
            { setWeight: 20 },
            { pause: { duration: "30s" } },
            { pause: { duration: 10 } },
            { setCanaryScale: { replicas: 2 } },
            { analysis: { templates: [{ templateName: "success-rate" }] } },
            {
              setHeaderRoute: {
                name: "header",
                match: [{ headerName: "X-Canary", headerValue: { exact: "yes" } }],
              },
            },
            { experiment: { duration: "5m", templates: [{ name: "baseline", specRef: "stable" }] } },
            { plugin: { name: "step/demo", config: { anything: [1, "two", { three: true }] } } },
            { pause: {} },
          ],
        },
      },
    },
  };
}

test("the Rollout CRD keeps every peer field, sluice's status, the scale subresource and columns", async (t) => {
  const crd = parse(await readFile(crdFile, "utf8")) as { metadata: { name: string } };
  await ensureCrd(crd);
  const namespace = await useNamespace(t, "rollout-crd");
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  const sent = peerManifest();
  const created = (await api.createNamespacedCustomObject({ ...ref(namespace), body: sent })) as Rollout;
  assert.deepEqual(created.spec, sent.spec, "the API server pruned or changed fields of a peer manifest");

  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const status = {
    phase: "Paused",
    observedGeneration: 1,
    currentPodHash: "tvwq2s2r7r",
    currentStepIndex: 1,
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-11-26T08:01:00Z" }],
    controllerPause: true,
    HPAReplicas: 4,
    replicas: 4,
    selector: "app=web",
    canary: { weights: { canary: { weight: 20, podTemplateHash: "tvwq2s2r7r" }, stable: { weight: 80 } } },
    sluice: { machine: { machineVersion: 1, value: { progressing: "paused" } } },
  };
  const patched = (await api.patchNamespacedCustomObjectStatus(
    { ...ref(namespace), name: "web", body: { status } },
    merge,
  )) as Rollout;
  assert.deepEqual(patched.status, status);

  // The scale subresource, as an HPA uses it.
  const scale = (await api.getNamespacedCustomObjectScale({ ...ref(namespace), name: "web" })) as {
    spec: { replicas: number };
    status: { replicas: number; selector: string };
  };
  assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [4, 4, "app=web"]);
  await api.patchNamespacedCustomObjectScale(
    { ...ref(namespace), name: "web", body: { spec: { replicas: 7 } } },
    merge,
  );
  const scaled = (await api.getNamespacedCustomObject({ ...ref(namespace), name: "web" })) as Rollout;
  assert.equal(scaled.spec?.replicas, 7);

  // Printer columns, read as kubectl reads them (a Table).
  const transport = new KubeTransport(testKubeConfig(), { userAgent: "sluice-test" });
  t.after(() => transport.close());
  const table = await tableOf(transport, `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/rollouts`);
  assert.deepEqual(
    table.columnDefinitions.map((c) => c.name),
    ["Name", "Desired", "Current", "Up-to-date", "Available", "Phase", "Step", "Age"],
  );
  assert.deepEqual(table.rows[0]?.cells.slice(0, 7), ["web", 7, 4, null, null, "Paused", 1]);
});

interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

function tableOf(transport: KubeTransport, path: string): Promise<Table> {
  return transport.request<Table>({
    verb: "list",
    path,
    accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
  });
}
