// The Rollout gauges: what one Rollout object becomes (labels, step, weight, replicas, abort), and
// what a scrape of the registry prints for the Rollouts the cache holds at that moment.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import type { Rollout } from "../../../src/api/rollout.ts";
import { RolloutEventCounter, registerRolloutMetrics, rolloutSeries } from "../../../src/rollout/metrics.ts";

const pausedCanary: Rollout = {
  metadata: { namespace: "shop", name: "web", generation: 3 },
  spec: {
    replicas: 5,
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }],
        trafficRouting: { nginx: { stableIngress: "web" } },
      },
    },
  },
  status: {
    observedGeneration: 3,
    phase: "Paused",
    currentStepIndex: 1,
    replicas: 6,
    availableReplicas: 5,
    updatedReplicas: 1,
    canary: { weights: { canary: { weight: 20 }, stable: { weight: 80 } } },
  },
};

test("a paused canary: info labels, step, steps, the weight sent, replicas", () => {
  assert.deepEqual(rolloutSeries(pausedCanary), {
    info: { namespace: "shop", name: "web", strategy: "canary", traffic_router: "Nginx", phase: "Paused" },
    replicas: { desired: 5, available: 5, updated: 1, unavailable: 1 },
    stepIndex: 1,
    steps: 3,
    canaryWeight: 20,
    aborted: false,
  });
});

test("an aborted canary routed by the Gateway API plugin", () => {
  const aborted: Rollout = {
    ...pausedCanary,
    spec: {
      strategy: {
        canary: {
          steps: [{ setWeight: 50 }],
          trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "web" } } },
        },
      },
    },
    status: { ...pausedCanary.status, phase: "Degraded", abort: true, currentStepIndex: 0 },
  };
  const series = rolloutSeries(aborted);
  assert.equal(series.info.traffic_router, "GatewayAPI");
  assert.equal(series.info.phase, "Degraded");
  assert.equal(series.aborted, true);
  assert.equal(series.replicas.desired, 1, "spec.replicas defaults to 1");
});

test("blue/green has no step or weight; a spec not yet observed is Progressing", () => {
  const bg: Rollout = {
    metadata: { namespace: "shop", name: "api", generation: 2 },
    spec: { strategy: { blueGreen: { activeService: "api" } } },
    status: { observedGeneration: 1, phase: "Healthy", currentStepIndex: 0 },
  };
  const series = rolloutSeries(bg);
  assert.equal(series.info.strategy, "blueGreen");
  assert.equal(series.info.traffic_router, "");
  assert.equal(series.info.phase, "Progressing");
  assert.equal(series.stepIndex, undefined);
  assert.equal(series.steps, undefined);
  assert.equal(series.canaryWeight, undefined);
  assert.equal(rolloutSeries({ metadata: { name: "new", generation: 1 } }).info.phase, "Progressing");
});

test("a scrape prints the Rollouts in the cache now, and nothing for one that is gone", async () => {
  const registry = new Registry();
  let cache: Rollout[] = [pausedCanary];
  registerRolloutMetrics(registry, () => cache);
  const first = await registry.metrics();
  assert.match(
    first,
    /^sluice_rollout_info\{namespace="shop",name="web",strategy="canary",traffic_router="Nginx",phase="Paused"\} 1$/m,
  );
  assert.match(first, /^sluice_rollout_step_index\{namespace="shop",name="web"\} 1$/m);
  assert.match(first, /^sluice_rollout_canary_weight\{namespace="shop",name="web"\} 20$/m);
  assert.match(first, /^sluice_rollout_info_replicas_available\{namespace="shop",name="web"\} 5$/m);
  assert.match(first, /^sluice_rollout_aborted\{namespace="shop",name="web"\} 0$/m);
  cache = [];
  const second = await registry.metrics();
  assert.doesNotMatch(second, /name="web"/);
  // Registered metrics still print HELP and TYPE with no samples.
  assert.match(second, /^# TYPE sluice_rollout_info gauge$/m);
});

test("Events are counted by Rollout, type and reason; a deleted Rollout's series go with it", async () => {
  const registry = new Registry();
  const counter = new RolloutEventCounter(registry);
  const web = { metadata: { namespace: "shop", name: "web" } };
  const api = { metadata: { namespace: "shop", name: "api" } };
  counter.counted(web, "Warning", "RolloutAborted");
  counter.counted(web, "Warning", "RolloutAborted");
  counter.counted(web, "Normal", "RolloutPaused");
  counter.counted(api, "Normal", "RolloutCompleted");
  const before = await registry.metrics();
  assert.match(
    before,
    /^sluice_rollout_events_total\{namespace="shop",name="web",type="Warning",reason="RolloutAborted"\} 2$/m,
  );
  counter.forget("shop/web");
  const after = await registry.metrics();
  assert.doesNotMatch(after, /name="web"/);
  assert.match(
    after,
    /^sluice_rollout_events_total\{namespace="shop",name="api",type="Normal",reason="RolloutCompleted"\} 1$/m,
  );
});
