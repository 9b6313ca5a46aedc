// What the demo says about a Rollout, an Application and an AnalysisRun, and that it says each
// thing once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { PACES, sampleAppFiles } from "../../../demo/manifests.ts";
import { analysisLine, appLine, Narrator, rolloutLine, type Scene, stepName } from "../../../demo/narrate.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout, RolloutStatus } from "../../../src/api/rollout.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

const web = (status: RolloutStatus): Rollout => ({
  ...(parse(
    sampleAppFiles({ version: "v2", namespace: "d", prometheusUrl: "http://p:9090", pace: PACES.fast })[
      "app/rollout.yaml"
    ] ?? "",
  ) as Rollout),
  status,
});

const rs = (hash: string, version: string, ready: number): ReplicaSet => ({
  metadata: { name: `web-${hash}`, labels: { "rollouts-pod-template-hash": hash } },
  spec: { template: { spec: { containers: [{ name: "web", image: `registry.example/web:${version}` }] } } },
  status: { readyReplicas: ready },
});
const replicaSets = [rs("aaa", "v1", 5), rs("bbb", "v2", 1)];
const weights = (canary: number) => ({
  canary: { weight: canary, podTemplateHash: "bbb" },
  stable: { weight: 100 - canary, podTemplateHash: "aaa" },
});

test("steps read as the manifest writes them", () => {
  assert.equal(stepName({ setWeight: 20 }), "setWeight 20");
  assert.equal(stepName({ pause: { duration: "10s" } }), "pause 10s");
  assert.equal(stepName({ pause: {} }), "pause (until promoted)");
  assert.equal(
    stepName({ analysis: { templates: [{ templateName: "error-ratio" }] } }),
    "analysis error-ratio",
  );
});

test("a canary mid-way: phase, step, and the traffic split by version", () => {
  const paused = web({
    phase: "Paused",
    currentStepIndex: 1,
    stableRS: "aaa",
    currentPodHash: "bbb",
    pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" }],
    canary: { weights: weights(20) },
  });
  assert.equal(
    rolloutLine(paused, replicaSets),
    "rollout web: Paused at step 2/5 pause 2s — traffic: v2 20% (1 pod), v1 80% (5 pods)",
  );
  const analysing = web({
    phase: "Progressing",
    currentStepIndex: 2,
    stableRS: "aaa",
    canary: { weights: weights(20) },
  });
  assert.equal(
    rolloutLine(analysing, replicaSets),
    "rollout web: Progressing at step 3/5 analysis error-ratio — traffic: v2 20% (1 pod), v1 80% (5 pods)",
  );
});

test("Healthy, aborted, a first deploy and an invalid spec", () => {
  assert.equal(
    rolloutLine(web({ phase: "Healthy", stableRS: "bbb", currentStepIndex: 5 }), [rs("bbb", "v2", 5)]),
    "rollout web: Healthy — v2 serves all traffic (5 pods)",
  );
  assert.equal(
    rolloutLine(web({ phase: "Healthy", stableRS: "bbb" }), [rs("aaa", "v1", 5), rs("bbb", "v2", 5)]),
    "rollout web: Healthy — v2 serves all traffic (5 pods); v1 keeps 5 pods until its scale-down delay ends",
  );
  const aborted = web({
    phase: "Degraded",
    abort: true,
    stableRS: "aaa",
    message: "RolloutAborted: analysis failed",
  });
  assert.equal(
    rolloutLine(aborted, replicaSets),
    "rollout web: ABORTED — RolloutAborted: analysis failed; traffic back on v1",
  );
  const first = web({
    phase: "Progressing",
    currentStepIndex: 5,
    stableRS: "aaa",
    canary: {
      weights: {
        canary: { weight: 0, podTemplateHash: "aaa" },
        stable: { weight: 100, podTemplateHash: "aaa" },
      },
    },
  });
  assert.equal(
    rolloutLine(first, replicaSets),
    "rollout web: Progressing after the last step — traffic: v1 100% (5 pods)",
  );
  const invalid = web({ phase: "Degraded", message: "InvalidSpec: steps[2]: no value", currentStepIndex: 0 });
  assert.equal(
    rolloutLine(invalid, []),
    "rollout web: Degraded (InvalidSpec: steps[2]: no value) at step 1/5 setWeight 20",
  );
  const stale = web({ phase: "Healthy", stableRS: "aaa", observedGeneration: 1 });
  stale.metadata = { ...stale.metadata, generation: 2 };
  assert.equal(
    rolloutLine(stale, replicaSets),
    "rollout web: new template (v2) seen, the controller is acting on it",
    "a status of the previous spec is not read as the new one's",
  );
  assert.equal(rolloutLine(undefined), "rollout web: not created yet");
  assert.equal(rolloutLine(web({})), "rollout web: waiting for the controller");
});

test("the Application names its commit by subject, with health and its reason", () => {
  const sha = "670a8e0123456789abcdef0123456789abcdef01";
  const app: Application = {
    metadata: { name: "web" },
    spec: {} as NonNullable<Application["spec"]>,
    status: {
      sync: { status: "Synced", revision: sha },
      health: { status: "Degraded", message: "Rollout web failed at revision 670a8e0: aborted" },
    },
  };
  assert.equal(
    appLine(app, new Map([[sha, "web v3-bad"]])),
    'application web: Synced at 670a8e0 "web v3-bad", Degraded (Rollout web failed at revision 670a8e0: aborted)',
  );
  assert.equal(appLine({ ...app, status: {} }), "application web: waiting for its first look at Git");
});

test("an AnalysisRun: phase, each measurement, the verdict", () => {
  const run: AnalysisRun = {
    metadata: { name: "web-bbb-3-2" },
    spec: { metrics: [] },
    status: {
      phase: "Failed",
      message: 'Metric "error-ratio" assessed Failed',
      metricResults: [
        { name: "error-ratio", phase: "Failed", measurements: [{ phase: "Failed", value: "[0.3]" }] },
      ],
    },
  };
  assert.equal(
    analysisLine(run),
    'analysis web-bbb-3-2: Failed, error-ratio measured [0.3] Failed — Metric "error-ratio" assessed Failed',
  );
  assert.equal(analysisLine({ ...run, status: {} }), "analysis web-bbb-3-2: Pending");
});

test("the narrator prints a line when it changes, stamped with the time since the start", () => {
  let now = 1000;
  const lines: string[] = [];
  const narrator = new Narrator(
    (l) => lines.push(l),
    () => now,
  );
  const scene: Scene = { rollout: undefined, app: undefined, replicaSets: [], runs: [] };
  narrator.observe(scene, new Map());
  now = 2500;
  narrator.observe(scene, new Map());
  narrator.observe({ ...scene, rollout: web({}) }, new Map());
  narrator.say("git commit abc");
  assert.deepEqual(lines, [
    "[  0.0s]   application web: not created yet",
    "[  0.0s]   rollout web: not created yet",
    "[  1.5s]   rollout web: waiting for the controller",
    "[  1.5s] git commit abc",
  ]);
});
