// The demo's sample app as a function of version and pace: what Git holds is a valid canary with
// nginx routing and an analysis step on the canary's own pods, at the chosen pace.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { canarySteps, errorRatioQuery, imageOf, PACES, sampleAppFiles } from "../../../demo/manifests.ts";
import { lintText } from "../../../src/cli/lint.ts";

const app = (version: string, pace = PACES.fast) =>
  sampleAppFiles({ version, namespace: "sluice-demo", prometheusUrl: "http://127.0.0.1:9090", pace });

/** Just the fields these tests read. */
interface Sample {
  kind: string;
  metadata: { name: string };
  spec: {
    template: { spec: { containers: { image: string }[] } };
    strategy: { canary: { trafficRouting: unknown; steps: Record<string, { args?: unknown }>[] } };
    metrics: {
      interval: string;
      count: number;
      failureLimit: number;
      successCondition: string;
      provider: { prometheus: { address: string; query: string } };
    }[];
  };
}

const objects = (files: Record<string, string>) =>
  Object.values(files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as Sample));

test("the sample app passes the controller's own validator (kubectl sluice lint), references included", async () => {
  for (const pace of [PACES.fast, PACES.normal]) {
    const result = await lintText(Object.values(app("v2", pace)).join("---\n"), "app");
    assert.equal(result.errors, 0, result.lines.join("\n"));
    assert.equal(result.warnings, 0, result.lines.join("\n"));
  }
});

test("each version differs only in the Rollout's image", () => {
  const v1 = app("v1");
  const v3 = app("v3-bad");
  for (const path of Object.keys(v1)) {
    if (path !== "app/rollout.yaml") assert.equal(v3[path], v1[path], path);
  }
  const rollout = objects(v3).find((o) => o.kind === "Rollout");
  assert.equal(rollout?.spec.template.spec.containers[0]?.image, "registry.example/web:v3-bad");
});

test("canary: nginx routing on the stable Ingress, an analysis step on the newest pods between two weights", () => {
  const all = objects(app("v2"));
  const rollout = all.find((o) => o.kind === "Rollout");
  assert.deepEqual(rollout?.spec.strategy.canary.trafficRouting, { nginx: { stableIngress: "web" } });
  assert.ok(all.some((o) => o.kind === "Ingress" && o.metadata.name === "web"));
  assert.deepEqual(
    rollout?.spec.strategy.canary.steps.map((s) => Object.keys(s)[0]),
    ["setWeight", "pause", "analysis", "setWeight", "pause"],
  );
  assert.deepEqual(rollout?.spec.strategy.canary.steps[2]?.analysis?.args, [
    { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
  ]);
});

test("the pace sets pauses and the analysis's interval and count", () => {
  assert.deepEqual(canarySteps(PACES.normal)[1], { pause: { duration: "10s" } });
  assert.deepEqual(canarySteps(PACES.fast)[1], { pause: { duration: "2s" } });
  const metric = objects(app("v2", PACES.normal)).find((o) => o.kind === "AnalysisTemplate")?.spec.metrics[0];
  assert.ok(metric);
  assert.equal(metric.interval, "5s");
  assert.equal(metric.count, 3);
  assert.equal(metric.failureLimit, 0);
  assert.equal(metric.successCondition, "result[0] < 0.05");
  assert.equal(metric.provider.prometheus.address, "http://127.0.0.1:9090");
  assert.equal(metric.provider.prometheus.query, errorRatioQuery("sluice-demo"));
});

test("the query selects the demo's namespace and the canary's pod-template hash", () => {
  assert.equal(
    errorRatioQuery("ns1"),
    'max(demo_http_error_ratio{namespace="ns1",pod_template_hash="{{args.canary-hash}}"})',
  );
});

test("a version that is not an image tag is refused, naming it", () => {
  assert.equal(imageOf("v2"), "registry.example/web:v2");
  for (const bad of ["", "v 2", "-v2", "v2:latest", "a/b"]) {
    assert.throws(() => imageOf(bad), new RegExp(`"${bad}" is not a valid image tag`));
  }
});
