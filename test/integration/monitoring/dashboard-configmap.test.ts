// The dashboard ConfigMap the chart renders (metrics.grafanaDashboard.enabled) is accepted by the
// real API server (server-side dry run): within the size limit, a valid label key and value.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigMaps } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { noHelm, renderChart } from "../../helpers/chart.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";

test("the API server accepts the dashboard ConfigMap", { skip: noHelm }, async (t) => {
  const namespace = await useNamespace(t, "dashboard");
  const objects = await renderChart(["metrics.grafanaDashboard.enabled=true"], namespace);
  const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "rel-dashboard");
  assert.ok(configMap);
  const accepted = await testClient().apply<KubeObject & { data?: Record<string, string> }>(
    ConfigMaps,
    configMap as KubeObject,
    "sluice-chart-test",
    { force: true, dryRun: true },
  );
  assert.equal(accepted.metadata?.labels?.grafana_dashboard, "1");
  assert.deepEqual(
    JSON.parse(accepted.data?.["sluice.json"] ?? ""),
    JSON.parse(configMap.data?.["sluice.json"] ?? ""),
  );
});
