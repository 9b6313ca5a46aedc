// The spec of a Rollout-made AnalysisRun: merged templates, the Rollout's own dry-run and
// retention rules, and no never-ending metric where the run gates a step or a promotion.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { INSTANCE_ID_LABEL } from "../../../src/controller/kernel.ts";
import { planOf } from "../../../src/rollout/plan.ts";
import {
  analysisRunName,
  buildRun,
  RolloutAnalysisError,
  runSpecFor,
} from "../../../src/rollout/rollout-analysis.ts";

const rollout: Rollout = { metadata: { name: "web" } };
const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  provider: { web: { url: "http://x" } },
  ...extra,
});

test("run names: <rollout>-<hash>-<round>-<step|background|pre|post>", () => {
  assert.equal(analysisRunName(rollout, "abc", 3, "Step", 2), "web-abc-3-2");
  assert.equal(analysisRunName(rollout, "abc", 3, "Background"), "web-abc-3-background");
  assert.equal(analysisRunName(rollout, "abc", 1, "PrePromotion"), "web-abc-1-pre");
  assert.equal(analysisRunName(rollout, "abc", 1, "PostPromotion"), "web-abc-1-post");
});

test("the Rollout's dry-run and retention rules are added to the templates'", () => {
  const spec = runSpecFor(
    "Step",
    [{ name: "t", spec: { metrics: [metric("a")], dryRun: [{ metricName: "a" }] } }],
    { dryRun: [{ metricName: "*" }], measurementRetention: [{ metricName: "a", limit: 3 }] },
    [],
  );
  assert.deepEqual(spec.dryRun, [{ metricName: "a" }, { metricName: "*" }]);
  assert.deepEqual(spec.measurementRetention, [{ metricName: "a", limit: 3 }]);
});

test("a metric that never ends is for background analysis only", () => {
  const templates = [{ name: "t", spec: { metrics: [metric("forever", { interval: "1s" })] } }];
  for (const kind of ["Step", "PrePromotion", "PostPromotion"] as const) {
    assert.throws(
      () => runSpecFor(kind, templates, {}, []),
      (e: unknown) =>
        e instanceof RolloutAnalysisError && /"forever" has an interval and no count/.test(e.message),
      kind,
    );
  }
  assert.equal(runSpecFor("Background", templates, {}, []).metrics?.length, 1);
  const bounded = [{ name: "t", spec: { metrics: [metric("three", { interval: "1s", count: 3 })] } }];
  assert.equal(runSpecFor("Step", bounded, {}, []).metrics?.length, 1);
});

test("template errors become the Rollout's analysis error", () => {
  assert.throws(() => runSpecFor("Step", [{ name: "t", spec: {} }], {}, []), /no metrics/);
  assert.throws(
    () =>
      runSpecFor(
        "Step",
        [
          { name: "a", spec: { metrics: [metric("m")] } },
          { name: "b", spec: { metrics: [metric("m")] } },
        ],
        {},
        [],
      ),
    (e: unknown) => e instanceof RolloutAnalysisError && /metric "m" is in both/.test(e.message),
  );
  assert.throws(
    () =>
      runSpecFor("Step", [{ name: "a", spec: { metrics: [metric("m")], args: [{ name: "q" }] } }], {}, []),
    /argument "q" has no value/,
  );
});

test("a run carries the peer's labels and revision annotation; only args a template declares are passed", () => {
  const owner: Rollout = {
    metadata: { name: "web", namespace: "ns", uid: "u1" },
    spec: { selector: { matchLabels: { app: "web" } } },
  };
  const run = buildRun(
    owner,
    {
      kind: "Step",
      name: "web-h2-1-3",
      hash: "h2",
      stepIndex: 3,
      analysis: {
        templates: [{ templateName: "t" }],
        args: [
          { name: "service", value: "web" },
          { name: "extra", value: "not declared" },
        ],
        analysisRunMetadata: { labels: { team: "a" }, annotations: { note: "x" } },
      },
    },
    "h1",
    [{ name: "t", spec: { args: [{ name: "service" }], metrics: [metric("m", { count: 1 })] } }],
    7,
  );
  assert.deepEqual(run.metadata?.labels, {
    "rollout-type": "Step",
    "step-index": "3",
    "rollouts-pod-template-hash": "h2",
    team: "a",
    app: "web",
  });
  assert.deepEqual(run.metadata?.annotations, { "rollout.argoproj.io/revision": "7", note: "x" });
  assert.deepEqual(run.spec?.args, [{ name: "service", value: "web" }], "the undeclared arg is dropped");
});

test("a run carries its Rollout's controller instance label, so the same --instance-id acts on it", () => {
  const owned = (labels?: Record<string, string>): Rollout => ({
    metadata: { name: "web", namespace: "ns", uid: "u1", ...(labels ? { labels } : {}) },
  });
  const wanted = { kind: "Background" as const, name: "web-h2-1-background", hash: "h2", analysis: {} };
  const templates = [{ name: "t", spec: { metrics: [metric("m", { count: 1 })] } }];
  const labelled = buildRun(owned({ [INSTANCE_ID_LABEL]: "blue", team: "a" }), wanted, "h1", templates);
  assert.equal(labelled.metadata?.labels?.[INSTANCE_ID_LABEL], "blue");
  assert.equal(labelled.metadata?.labels?.team, undefined, "other Rollout labels are not copied");
  const plain = buildRun(owned(), wanted, "h1", templates);
  assert.ok(!(INSTANCE_ID_LABEL in (plain.metadata?.labels ?? {})));
});

test("a Rollout without spec.replicas runs one pod, as the peer's default", () => {
  const plan = planOf(
    {
      metadata: { name: "web", namespace: "ns" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } } },
        strategy: { canary: {} },
      },
    },
    [],
    "h1",
    0,
  );
  assert.deepEqual(plan.createNew, { hash: "h1", replicas: 1 });
});
