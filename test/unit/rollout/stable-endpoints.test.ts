// A canary without a router hands its stable Service to the new pods before the old ones go, and
// the old ones go only once the Service's EndpointSlices show the endpoints controller has seen
// the move (the chaos suite caught a lagging controller leaving the Service with no endpoint).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout, RolloutStatus } from "../../../src/api/rollout.ts";
import { plainContext } from "../../../src/rollout/context.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import { planRollout } from "../../../src/rollout/plan.ts";
import {
  ENDPOINTS_RECHECK_MS,
  handoverUnderWay,
  holdForStableEndpoints,
  type StableEndpoints,
} from "../../../src/rollout/stable-endpoints.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

const NOW = Date.parse("2026-12-05T10:00:00Z");
const steps = [{ setWeight: 50 }, { pause: { duration: "1s" } }];

function rollout(status: RolloutStatus, extra: Record<string, unknown> = {}): Rollout {
  return {
    metadata: { name: "web", namespace: "ns", generation: 2 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: {} },
      strategy: { canary: { canaryService: "web-canary", stableService: "web-stable", steps, ...extra } },
    },
    status,
  } as Rollout;
}

const rs = (hash: string, replicas: number): ReplicaSet => ({
  metadata: { name: `web-${hash}`, labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash } },
  spec: { replicas },
  status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
});

/** At the last step, the pause over: full weight, the old stable's last pod to go. */
const lastStep: RolloutStatus = {
  stableRS: "h1",
  currentPodHash: "h2",
  currentStepIndex: 1,
  controllerPause: true,
  pauseConditions: [{ reason: "CanaryPauseStep", startTime: new Date(NOW - 5000).toISOString() }],
  sluice: { machine: { machineVersion: 1, value: "pausedStep" } },
};
/** Promoted: h2 is stable, h1 still has its pod. */
const promoted: RolloutStatus = {
  stableRS: "h2",
  currentPodHash: "h2",
  currentStepIndex: 2,
  sluice: { machine: { machineVersion: 1, value: "healthy" } },
};

function plan(status: RolloutStatus, seen: StableEndpoints | undefined, extra: Record<string, unknown> = {}) {
  const base = plainContext(rollout(status, extra), [rs("h1", 1), rs("h2", 1)], "h2", NOW);
  return planRollout(seen ? { ...base, stableEndpoints: seen } : base);
}

test("the plan that moves the stable Service keeps the old pods: the endpoints controller cannot have seen the move", () => {
  const moving = plan(lastStep, { selected: "h1", readyPods: "unread" });
  assert.equal(moving.services.get("web-stable"), "h2", "the Service moves to the new pods");
  assert.equal(moving.scale.has("web-h1"), false, "and the old stable keeps its pod this round");
  assert.ok(
    (moving.requeueAfterMs ?? Number.POSITIVE_INFINITY) <= ENDPOINTS_RECHECK_MS,
    "looked at again soon",
  );
  // Without what the Service serves (the old behaviour, and any test context), the pod went at once.
  assert.equal(plan(lastStep, undefined).scale.get("web-h1"), 0);
});

test("after the move, the old pods go once the EndpointSlices list a ready pod of the new ReplicaSet", () => {
  const lagging = plan(promoted, { selected: "h2", readyPods: ["web-h1-abcde"] });
  assert.equal(lagging.scale.has("web-h1"), false, "slices still on the old pods: held");
  const caughtUp = plan(promoted, { selected: "h2", readyPods: ["web-h2-fghij", "web-h1-abcde"] });
  assert.equal(caughtUp.scale.get("web-h1"), 0, "a new pod listed: the old one goes");
  const noSlices = plan(promoted, { selected: "h2", readyPods: "none" });
  assert.equal(noSlices.scale.get("web-h1"), 0, "no slices at all prove nothing and hold nothing");
  const empty = plan(promoted, { selected: "h2", readyPods: [] });
  assert.equal(
    empty.scale.get("web-h1"),
    0,
    "slices listing neither (new pods unmatched) hold nothing: no endless wait",
  );
});

test("with a traffic router nothing is held here (its scale-down delay covers the handover)", () => {
  const routed = plan(
    promoted,
    { selected: "h2", readyPods: ["web-h1-abcde"] },
    {
      trafficRouting: { nginx: { stableIngress: "web" } },
    },
  );
  assert.notEqual(routed.services.get("web-stable"), undefined);
  // The routed plan keeps h1 for its scale-down delay anyway; what matters is no hold from here.
  assert.equal(
    holdForStableEndpoints(
      { scale: new Map([["web-h1", 0]]), deadlines: new Map() },
      [rs("h1", 1), rs("h2", 1)],
      {
        selected: "h2",
        readyPods: ["web-h2-x"],
      },
      "h2",
    ).held.length,
    0,
  );
});

test("the slices are read only while a handover may be under way", () => {
  const both = [rs("h1", 1), rs("h2", 1)];
  assert.equal(
    handoverUnderWay(both, "h1", "h2"),
    false,
    "mid-canary: the Service on the stable, h2 the template",
  );
  assert.equal(handoverUnderWay(both, "h2", "h2"), true, "the Service on h2, h1 still has a pod");
  assert.equal(handoverUnderWay([rs("h1", 0), rs("h2", 1)], "h2", "h2"), false, "h1 gone: done");
  assert.equal(handoverUnderWay(both, undefined, "h2"), false, "no Service seen");
});

test("only scales to 0 of ReplicaSets other than the target are held, and only those with pods", () => {
  const sets = [rs("h0", 0), rs("h1", 2), rs("h2", 2), rs("h3", 1)];
  const sizing = {
    scale: new Map([
      ["web-h0", 0],
      ["web-h1", 1],
      ["web-h3", 0],
    ]),
    deadlines: new Map(),
  };
  const held = holdForStableEndpoints(sizing, sets, { selected: "h1", readyPods: "unread" }, "h2");
  assert.deepEqual(held.held, ["web-h3"], "h1 only shrinks (not to 0), h0 has nothing left");
  assert.equal(held.scale.get("web-h1"), 1);
  assert.equal(held.scale.has("web-h3"), false);
  assert.equal(sizing.scale.get("web-h3"), 0, "the sizing given is not changed");
});
