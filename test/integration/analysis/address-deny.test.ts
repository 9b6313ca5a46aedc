// A metric may not point the controller at cloud metadata or at the API server: such a
// measurement is an Error saying why, and no request is made.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { untilCompleted } from "../../helpers/analysis-runs.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/analysisrun.yaml");

test("metric addresses of cloud metadata and of the API server are refused", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, "deny");
  await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  const apiServer = testKubeConfig().getCurrentCluster()?.server ?? "";
  for (const [name, address, why] of [
    ["metadata", "http://169.254.169.254/latest", /denied: .*cloud metadata/],
    ["apiserver", apiServer, /denied: that is the Kubernetes API server/],
  ] as const) {
    await client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: {
          metrics: [
            { name: "m", consecutiveErrorLimit: 0, provider: { prometheus: { address, query: "up" } } },
          ],
        },
      },
      "test",
    );
    const run = await untilCompleted(namespace, name);
    assert.equal(run.status?.phase, "Error");
    assert.match(run.status?.metricResults?.[0]?.measurements?.[0]?.message ?? "", why);
  }
});
