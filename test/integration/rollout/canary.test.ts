// A basic canary (no traffic router) on real ReplicaSets, pods made Ready by kwok:
// setWeight 20 → pause 6s → setWeight 60 → pause (indefinite) → promote → Healthy, with the
// ReplicaSet scales and Service selectors checked at each step.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Events, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import {
  createServices,
  installRolloutCrd,
  rolloutIn,
  scalesByHash,
  selectorHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

function rollout(image: string): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image }] },
      },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          steps: [{ setWeight: 20 }, { pause: { duration: "6s" } }, { setWeight: 60 }, { pause: {} }],
        },
      },
    },
  };
}

test("a canary walks its steps, pauses until promoted, and ends Healthy on the new ReplicaSet", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "canary");
  const client = testClient();
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });

  const web = rolloutIn(namespace);
  const scales = () => scalesByHash(namespace);
  const selectorOf = (name: string) => selectorHash(namespace, name);
  const waitRollout = web.until;

  // First deploy: no steps, straight to Healthy with 5 pods.
  await client.create(Rollouts, { ...rollout("web:1"), metadata: { name: "web", namespace } }, "test");
  const v1 = await waitRollout(
    "first deploy Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 5,
  );
  const h1 = v1.status?.stableRS ?? "";
  assert.equal(v1.status?.currentPodHash, h1);
  assert.deepEqual(await scales(), { [h1]: [5, 5] });
  assert.equal(await selectorOf("web-stable"), h1);
  assert.equal(await selectorOf("web-canary"), h1);

  // Update: step 0 is setWeight 20 → 1 canary pod of 5.
  await web.patchSpec({ template: rollout("web:2").spec?.template });
  const step1 = await waitRollout(
    "the 6s pause step (long enough to look at it under load)",
    (r) => r.status?.currentStepIndex === 1 && r.status.currentPodHash !== h1,
  );
  const h2 = step1.status?.currentPodHash ?? "";
  const atStep1 = await scales();
  assert.deepEqual(atStep1[h2], [1, 1], `canary at 20%: ${JSON.stringify(atStep1)}`);
  assert.equal(atStep1[h1]?.[0], 4);
  assert.equal(await selectorOf("web-canary"), h2);
  assert.equal(await selectorOf("web-stable"), h1);
  assert.equal(step1.status?.canary?.weights?.canary.weight, 20);

  // The timed pause ends by itself; setWeight 60 → 3 canary / 2 stable; then the indefinite pause.
  const paused = await waitRollout(
    "the indefinite pause",
    (r) => r.status?.currentStepIndex === 3 && r.status.phase === "Paused",
  );
  assert.equal(paused.status?.pauseConditions?.[0]?.reason, "CanaryPauseStep");
  const atPause = await scales();
  assert.deepEqual([atPause[h2]?.[0], atPause[h1]?.[0]], [3, 2], JSON.stringify(atPause));
  assert.equal(paused.status?.canary?.weights?.canary.weight, 60);

  // Promote as the peer's CLI does: clear the pause conditions.
  await web.patchStatus({ pauseConditions: null });
  const done = await waitRollout(
    "Healthy on the new template",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === h2,
  );
  assert.equal(done.status?.currentStepIndex, 4);
  const final = await scales();
  assert.deepEqual(final[h2], [5, 5]);
  assert.equal(final[h1]?.[0], 0, "the old ReplicaSet is scaled down");
  assert.equal(await selectorOf("web-stable"), h2);
  assert.equal(await selectorOf("web-canary"), h2);
});

function canaryOf(r: Rollout) {
  const canary = r.spec?.strategy?.canary;
  if (!canary) throw new Error("the test Rollout is a canary");
  return canary;
}

const INVALID: [string, (r: Rollout) => void, RegExp][] = [
  ["missing selector", (r) => delete r.spec?.selector, /spec\.selector: selector is required/],
  [
    "negative weight",
    (r) => {
      canaryOf(r).steps = [{ setWeight: -10 }];
    },
    /steps\[0\]\.setWeight: must be an integer between 0 and 100, got -10/,
  ],
  [
    "weight over 100",
    (r) => {
      canaryOf(r).steps = [{ setWeight: 120 }];
    },
    /steps\[0\]\.setWeight: must be an integer between 0 and 100, got 120/,
  ],
  [
    "unknown service",
    (r) => {
      canaryOf(r).canaryService = "nope";
    },
    /spec\.strategy\.canary\.canaryService: Service "nope" not found/,
  ],
  [
    "malformed duration",
    (r) => {
      canaryOf(r).steps = [{ pause: { duration: "5 minutes" } }];
    },
    /steps\[0\]\.pause\.duration: "5 minutes" is not a duration/,
  ],
];

test("each invalid spec gets InvalidSpec naming the field and an Event, changes nothing, and recovers when fixed", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "invalid");
  const client = testClient();
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });
  for (const [i, [what, breakIt, message]] of INVALID.entries()) {
    const name = `bad-${i}`;
    const bad = rollout("web:1");
    breakIt(bad);
    await client.create(Rollouts, { ...bad, metadata: { name, namespace } }, "test");
    const invalid = await waitFor(`${what}: InvalidSpec`, async () => {
      const r = await client.get<Rollout>(Rollouts, { namespace, name });
      return r.status?.phase === "Degraded" ? r : pending(JSON.stringify(r.status ?? {}));
    });
    const condition = invalid.status?.conditions?.find((c) => c.type === "InvalidSpec");
    assert.match(condition?.message ?? "", message, what);
    assert.match(invalid.status?.message ?? "", /^InvalidSpec: /, what);
    const events = await client.list<
      KubeObject & {
        reason?: string;
        involvedObject?: { name?: string };
        message?: string;
      }
    >(Events, { namespace });
    assert.ok(
      events.items.some(
        (e) => e.reason === "InvalidSpec" && e.involvedObject?.name === name && message.test(e.message ?? ""),
      ),
      `${what}: an InvalidSpec Event`,
    );
  }
  assert.equal(
    (await client.list(ReplicaSets, { namespace })).items.length,
    0,
    "nothing created for invalid specs",
  );

  await client.mergePatch(
    Rollouts,
    { namespace, name: "bad-1" },
    { spec: { strategy: { canary: { steps: [{ setWeight: 50 }] } } } },
    "test",
  );
  const fixed = await waitFor("recovery", async () => {
    const r = await client.get<Rollout>(Rollouts, { namespace, name: "bad-1" });
    return r.status?.phase === "Healthy"
      ? r
      : pending(JSON.stringify({ phase: r.status?.phase, message: r.status?.message }));
  });
  assert.equal(
    fixed.status?.conditions?.some((c) => c.type === "InvalidSpec"),
    false,
  );
});
