// The Helm chart renders and every object it renders is accepted by the real API server
// (server-side dry run), with the default values and with each non-default form a user picks:
// one namespace, HA, the Prometheus Operator objects (against the operator's real CRDs), and the
// Git side's namespaced RBAC.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type KubernetesObject, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { type ChartObject, chartContainer, renderRelease } from "../../helpers/chart-install.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { installMonitoringCrds } from "../../helpers/monitoring-crds.ts";
import { CustomResourceDefinitions } from "../../tools/crds.ts";

interface Form {
  name: string;
  set: (namespace: string) => string[];
  /** What this form must render beyond what every form does. */
  check: (docs: ChartObject[], args: string[], namespace: string) => void;
}

const named = (docs: ChartObject[], kind: string) =>
  docs.filter((d) => d.kind === kind).map((d) => `${d.metadata.namespace ?? ""}/${d.metadata.name}`);

const FORMS: Form[] = [
  {
    name: "defaults: all namespaces, Git side cluster-wide",
    set: () => [],
    check: (docs, args) => {
      assert.ok(!args.some((a) => a.startsWith("--namespace=") || a.startsWith("--destination-namespaces=")));
      assert.deepEqual(named(docs, "ClusterRole").sort(), ["/sluice", "/sluice-application-controller"]);
      const everything = docs.find((d) => d.metadata.name === "sluice-application-controller")?.rules;
      assert.deepEqual(everything, [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]);
    },
  },
  {
    name: "one namespace",
    set: (ns) => [`watchNamespace=${ns}`],
    check: (docs, args, ns) => {
      assert.ok(args.includes(`--namespace=${ns}`));
      // The Git side gets everything in the watched namespace only; the one ClusterRole left reads
      // ClusterAnalysisTemplates.
      assert.deepEqual(named(docs, "ClusterRole"), [`/sluice-${ns}-cluster-templates`]);
      assert.ok(named(docs, "Role").includes(`${ns}/sluice-application-controller`));
    },
  },
  {
    name: "HA: 3 replicas electing a leader",
    set: () => ["replicas=3", "leaderElection.enabled=true"],
    check: (docs, args) => {
      const deployment = docs.find((d) => d.kind === "Deployment") as ChartObject & {
        spec: { replicas: number };
      };
      assert.equal(deployment.spec.replicas, 3);
      assert.ok(args.includes("--leader-elect=true"));
    },
  },
  {
    name: "ServiceMonitor and PrometheusRule on",
    set: () => ["metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true"],
    check: (docs) => {
      assert.deepEqual(named(docs, "ServiceMonitor").length, 1);
      assert.deepEqual(named(docs, "PrometheusRule").length, 1);
    },
  },
  {
    name: "Git side namespaced, with a cluster rule",
    set: (ns) => [
      "applicationController.rbac.mode=namespaced",
      `applicationController.rbac.namespaces={${ns}}`,
      "applicationController.rbac.clusterRules[0].apiGroups[0]=",
      "applicationController.rbac.clusterRules[0].resources[0]=namespaces",
      "applicationController.rbac.clusterRules[0].verbs={get,patch}",
    ],
    check: (docs, args, ns) => {
      assert.ok(args.includes(`--destination-namespaces=${ns}`));
      assert.deepEqual(named(docs, "ClusterRole").sort(), [
        "/sluice",
        "/sluice-application-controller-cluster",
      ]);
      assert.ok(named(docs, "Role").includes(`${ns}/sluice-application-controller`));
    },
  },
];

/** Server-side dry run of every rendered object (namespaced ones into `namespace`). */
async function dryRun(docs: ChartObject[], namespace: string) {
  const api = KubernetesObjectApi.makeApiClient(testKubeConfig());
  for (const doc of docs) {
    if (doc.kind === "CustomResourceDefinition") {
      // Sent as they are: client-node's typed serializer drops x-kubernetes-* schema keys.
      await testClient().apply(CustomResourceDefinitions, doc, "sluice-chart-test", {
        force: true,
        dryRun: true,
      });
      continue;
    }
    doc.metadata.namespace ??= namespace;
    // As rendered: YAML objects, not client-node's models.
    await api.patch(
      doc as unknown as KubernetesObject,
      undefined,
      "All",
      "sluice-chart-test",
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}

for (const form of FORMS)
  test(`the chart (${form.name}) renders objects the API server accepts`, async (t) => {
    if (form.name.startsWith("ServiceMonitor")) await installMonitoringCrds();
    const namespace = await useNamespace(t, "chart");
    const docs = await renderRelease("sluice", namespace, form.set(namespace));
    const kinds = docs.map((d) => d.kind);
    assert.ok(kinds.includes("Deployment") && kinds.includes("ServiceAccount") && kinds.includes("Service"));
    // The CRDs come with the chart (crds.install defaults to true).
    assert.equal(kinds.filter((k) => k === "CustomResourceDefinition").length, 5);
    const args = chartContainer(docs).args ?? [];
    assert.ok(args.includes(`--leader-election-namespace=${namespace}`));
    // The webhook receiver on its own port and Service, not the metrics one.
    assert.ok(args.includes("--webhook-addr=:8081"));
    assert.ok(docs.some((d) => d.kind === "Service" && d.metadata.name === "sluice-webhook"));
    // Applications (in the release namespace) are the Application controller's wherever it deploys.
    assert.ok(named(docs, "Role").includes("/sluice-applications"));
    form.check(docs, args, namespace);
    await dryRun(docs, namespace);
  });
