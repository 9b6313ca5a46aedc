// The Helm chart renders and every object it renders is accepted by the real API server
// (server-side dry run), in both the cluster-wide and the single-namespace form.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { binaryPaths } from "../../cluster/binaries.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { CustomResourceDefinitions } from "../../tools/crds.ts";

const run = promisify(execFile);
const chart = resolve(fileURLToPath(import.meta.url), "../../../../charts/sluice");

interface Rendered {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template: { spec: { containers: { args?: string[] }[] } } };
}

async function render(namespace: string, extra: string[]): Promise<Rendered[]> {
  const home = join(chart, "..", "..", ".sluice", "helm");
  const { stdout } = await run(
    binaryPaths().helm,
    ["template", "sluice", chart, "--namespace", namespace, ...extra],
    {
      env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((d): d is Rendered => d !== null);
}

for (const [form, extra] of [
  ["cluster-wide", []],
  ["single-namespace", ["--set", "watchNamespace=WATCHED"]],
] as const) {
  test(`the chart (${form}) renders objects the API server accepts`, async (t) => {
    const namespace = await useNamespace(t, "chart");
    const docs = await render(
      namespace,
      extra.map((a) => a.replace("WATCHED", namespace)),
    );
    const kinds = docs.map((d) => d.kind).sort();
    assert.ok(kinds.includes("Deployment") && kinds.includes("ServiceAccount") && kinds.includes("Service"));
    // The CRDs come with the chart (crds.install defaults to true).
    assert.equal(kinds.filter((k) => k === "CustomResourceDefinition").length, 5);
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
      await api.patch(doc, undefined, "All", "sluice-chart-test", true, PatchStrategy.ServerSideApply);
    }
    const deployment = docs.find((d) => d.kind === "Deployment");
    const args = deployment?.spec?.template.spec.containers[0]?.args ?? [];
    assert.ok(args.includes(`--leader-election-namespace=${namespace}`));
    assert.equal(
      args.some((a) => a.startsWith("--namespace=")),
      form === "single-namespace",
    );
    // The webhook receiver on its own port and Service, not the metrics one.
    assert.ok(args.includes("--webhook-addr=:8081"));
    assert.ok(docs.some((d) => d.kind === "Service" && d.metadata.name === "sluice-webhook"));
  });
}
