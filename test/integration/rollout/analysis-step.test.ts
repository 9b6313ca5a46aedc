// A canary gated by an analysis step against the real Prometheus: while the exporter's success
// ratio is high the step's AnalysisRun succeeds and the rollout is promoted; when the ratio drops,
// the next update's run fails and the rollout aborts back to the stable ReplicaSet.
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { createRatioTemplate, installAnalysisCrds, startGaugeExporter } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("an analysis step promotes while the metric is good and aborts when it drops", async (t) => {
  await installRolloutCrd();
  await installAnalysisCrds();
  const ratio = await startGaugeExporter(t, "sluice_step_success_ratio", 0.99);
  const query = ratio.query;

  const namespace = await useNamespace(t, "gated");
  const client = testClient();
  await createRatioTemplate(namespace, {
    interval: "1s",
    count: 2,
    successCondition: "result[0] >= 0.95",
  });
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createRollout(namespace, {
    canary: {
      steps: [
        { setWeight: 50 },
        {
          analysis: {
            templates: [{ templateName: "success-rate" }],
            args: [{ name: "query", value: query }],
          },
        },
      ],
    },
  });
  const web = rolloutIn(namespace);
  const h1 = (await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy")).status?.stableRS ?? "";

  await web.patchSpec({ template: podTemplate("web:2") });
  const v2 = await web.until(
    "v2 promoted after a Successful analysis",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== h1,
    45_000,
  );
  const h2 = v2.status?.stableRS ?? "";
  const stepRun = async (hash: string) => {
    const runs = await client.list<AnalysisRun>(AnalysisRuns, {
      namespace,
      labelSelector: `rollout-type=Step,step-index=1,rollouts-pod-template-hash=${hash}`,
    });
    assert.equal(runs.items.length, 1, `one step run for ${hash}`);
    return runs.items[0] as AnalysisRun;
  };
  const passed = await stepRun(h2);
  assert.equal(passed.status?.phase, "Successful");
  assert.equal(passed.metadata?.ownerReferences?.[0]?.kind, "Rollout");
  assert.equal(passed.metadata?.labels?.["rollout-type"], "Step");

  await ratio.set(0.5);
  await web.patchSpec({ template: podTemplate("web:3") });
  const aborted = await web.until(
    "v3 aborted after a Failed analysis",
    (r) => r.status?.phase === "Degraded" && r.status.abort === true,
    45_000,
  );
  const h3 = aborted.status?.currentPodHash ?? "";
  const failed = await stepRun(h3);
  assert.equal(failed.status?.phase, "Failed");
  assert.equal(aborted.status?.stableRS, h2, "the stable is still v2");
  await waitFor("the canary scaled away, v2 whole again", async () => {
    const s = await scalesByHash(namespace);
    return s[h3]?.[0] === 0 && s[h2]?.[1] === 2 ? true : pending(JSON.stringify(s));
  });
});
