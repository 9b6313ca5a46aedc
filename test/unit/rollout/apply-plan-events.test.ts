// The order of a plan's writes around its Events: once the Rollout's status is written, the
// Events that tell what happened are recorded even when a later write of the same reconcile fails
// (a 409 on the finalizer patch: another writer touched the Rollout in between). The retry plans
// from the written status and would not tell them again, so they would be lost. The shell's
// collaborators are small stand-ins here: what is asserted is the order of calls, not the API.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout, RolloutStatus } from "../../../src/api/rollout.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import { applyPlan, type Shell } from "../../../src/rollout/apply-plan.ts";
import type { RolloutContext } from "../../../src/rollout/context.ts";
import type { RolloutPlan } from "../../../src/rollout/plan.ts";
import { createLogger } from "../../../src/telemetry/logger.ts";

const rollout: Rollout = {
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "team", uid: "u1", resourceVersion: "10" },
  spec: { strategy: { canary: { stableService: "web-stable", canaryService: "web-canary", steps: [] } } },
  status: { stableRS: "aaa", currentPodHash: "aaa" },
} as Rollout;

/** Mid-update: the new status wants the finalizer on (stable and current differ). */
const midUpdate: RolloutStatus = { stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 1 };

function plan(status: RolloutStatus): RolloutPlan {
  return {
    state: "progressing",
    notices: [],
    scale: new Map(),
    deadlines: new Map(),
    services: new Map(),
    routing: [],
    metadata: [],
    prune: [],
    runs: [],
    keepRuns: [],
    createRuns: [],
    replaceRuns: [],
    housekeeping: { terminate: [], remove: [], supersede: [] },
    lookups: [],
    verdicts: [],
    events: [{ type: "Normal", reason: "RolloutStepCompleted", message: "Rollout step 1/3 completed" }],
    status,
  } as unknown as RolloutPlan;
}

function shell(finalizerPatch: () => Promise<Rollout>) {
  const calls: string[] = [];
  const written = { ...rollout, metadata: { ...rollout.metadata, resourceVersion: "11" }, status: midUpdate };
  const value = {
    client: {
      mergePatch: async () => {
        calls.push("finalizer patch");
        return finalizerPatch();
      },
    },
    writer: {
      write: async () => {
        calls.push("status write");
        return { written: true, object: written };
      },
      tracker: { recordWrite: () => undefined },
    },
    events: {
      record: async (_object: unknown, _type: string, reason: string) => {
        calls.push(`event ${reason}`);
      },
    },
    log: createLogger("silent"),
    fieldManager: "sluice",
    serviceSelector: () => null,
  } as unknown as Shell;
  return { shell: value, calls };
}

const context = { rollout, replicaSets: [], routing: () => undefined } as unknown as RolloutContext;

test("a plan's Events are recorded after its status write and finalizer", async () => {
  const { shell: s, calls } = shell(async () => rollout);
  await applyPlan(s, context, plan(midUpdate));
  assert.deepEqual(calls, ["status write", "finalizer patch", "event RolloutStepCompleted"]);
});

test("a 409 on the finalizer after the status is written still records the plan's Events, and fails the reconcile", async () => {
  const conflict = new KubeError("Conflict", "the object has been modified", 409);
  const { shell: s, calls } = shell(async () => {
    throw conflict;
  });
  await assert.rejects(applyPlan(s, context, plan(midUpdate)), (error) => error === conflict);
  assert.deepEqual(calls, ["status write", "finalizer patch", "event RolloutStepCompleted"]);
});

test("a failed status write records no Events: nothing they tell has happened", async () => {
  const { shell: s, calls } = shell(async () => rollout);
  (s.writer as unknown as { write: () => Promise<never> }).write = async () => {
    calls.push("status write");
    throw new KubeError("Conflict", "the object has been modified", 409);
  };
  await assert.rejects(applyPlan(s, context, plan(midUpdate)));
  assert.deepEqual(calls, ["status write"]);
});
