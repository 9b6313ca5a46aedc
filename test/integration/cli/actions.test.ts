// The mutating commands on a real cluster with the Rollout controller running: a canary and a
// blue/green driven entirely through `kubectl sluice` (in-process) — set image, promote, pause,
// promote to resume, abort, retry, undo, promote --full, restart — with the Rollout's state
// asserted after each, the refusals, the Git warning, and a real 409 met by re-reading.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { decideRestart } from "../../../src/cli/actions/lifecycle.ts";
import { clusterStore, mutate, type RolloutStore } from "../../../src/cli/commands/mutate.ts";
import { ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { hashOf, type ReplicaSet, revisionOf } from "../../../src/rollout/world.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createRollout, createServices, installRolloutCrd, rolloutIn } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { runCaptured } from "../../unit/cli/capture.ts";

const imageOf = (r: Rollout) =>
  (r.spec?.template?.spec?.containers as { image: string }[] | undefined)?.[0]?.image;

async function setUp(t: TestContext, prefix: string, services: string[]) {
  await installRolloutCrd();
  const namespace = await useNamespace(t, prefix);
  await createServices(namespace, services);
  await startSluice(t, [rolloutController], { namespace });
  // Tests may end mid-update, where the Rollout holds the restore-services finalizer; the
  // controller has stopped by then, so drop it or the namespace never goes.
  t.after(() =>
    testClient()
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined),
  );
  const flags = ["-n", namespace, "--kubeconfig", requireEnv(ENV.kubeconfig)];
  /** Runs the command and checks its exit code and stdout (stderr is returned). */
  const ok = async (stdout: string, ...argv: string[]) => {
    const run = await runCaptured([...argv, ...flags]);
    assert.deepEqual([run.code, run.out], [0, `${stdout}\n`], `${argv.join(" ")}: ${run.err}`);
    return run.err;
  };
  const refused = async (stderr: string, ...argv: string[]) => {
    const run = await runCaptured([...argv, ...flags]);
    assert.deepEqual([run.code, run.out, run.err], [1, "", `Error: ${stderr}\n`], argv.join(" "));
  };
  const replicaSets = async () =>
    (await testClient().list<ReplicaSet>(ReplicaSets, { namespace })).items.sort(
      (a, b) => revisionOf(a) - revisionOf(b),
    );
  return { namespace, ok, refused, replicaSets, web: rolloutIn(namespace) };
}

test("a canary driven through the CLI: set image, promote, pause and resume, abort, retry, undo, promote --full, restart", async (t) => {
  const { namespace, ok, refused, replicaSets, web } = await setUp(t, "cli-act", [
    "web-stable",
    "web-canary",
  ]);
  await createRollout(namespace, {
    canary: {
      canaryService: "web-canary",
      stableService: "web-stable",
      steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
    },
  });
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 2);

  await refused("rollout 'web' has no update in progress: nothing to promote", "promote", "web");
  await refused("rollout 'web' is not aborted: nothing to retry", "retry", "rollout", "web");
  await refused("rollout 'web' has no update in progress: nothing to abort", "abort", "web");
  await refused(`rollout "nope" not found in namespace "${namespace}"`, "promote", "nope");

  assert.equal(
    await ok('rollout "web" image updated', "set", "image", "web", "web=web:2"),
    "",
    "no Git warning",
  );
  const atPause = await web.until(
    "paused at step 1",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1,
  );
  assert.equal(imageOf(atPause), "web:2");
  assert.equal(atPause.status?.pauseConditions?.[0]?.reason, "CanaryPauseStep");
  assert.ok(
    atPause.metadata?.managedFields?.some((f) => f.manager === "kubectl-sluice"),
    "written by the field manager kubectl-sluice",
  );

  await ok("rollout 'web' promoted", "promote", "web");
  await web.until("paused at step 3", (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 3);

  await ok("rollout 'web' paused", "pause", "web");
  const manual = await web.until("manually paused", (r) => r.status?.message === "manually paused");
  assert.equal(manual.spec?.paused, true);
  await ok("rollout 'web' is already paused", "pause", "web");
  // promote resumes: spec.paused and the step's pause both go, and the update finishes.
  await ok("rollout 'web' promoted", "promote", "web");
  const v2 = await web.until(
    "v2 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash,
  );
  assert.deepEqual(
    [v2.spec?.paused, v2.status?.currentStepIndex, v2.status?.pauseConditions?.length ?? 0],
    [false, 4, 0],
  );
  const h2 = v2.status?.stableRS;

  await ok('rollout "web" image updated', "set", "image", "web", "web=web:3");
  await web.until(
    "v3 paused at step 1",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1,
  );
  await ok("rollout 'web' aborted", "abort", "web");
  const aborted = await web.until("aborted", (r) => r.status?.phase === "Degraded");
  assert.equal(aborted.status?.abort, true);
  assert.equal(aborted.status?.stableRS, h2);
  await refused("rollout 'web' is aborted: use `kubectl sluice retry rollout web`", "promote", "web");
  await ok("rollout 'web' retried", "retry", "rollout", "web");
  const retried = await web.until(
    "walking the steps again",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1,
  );
  assert.equal(retried.status?.abort, false);

  // undo: back to revision 2's template, exactly, so the old ReplicaSet is stable again at once.
  await ok("rollout 'web' undo", "undo", "web");
  const undone = await web.until(
    "back on v2",
    (r) => r.status?.phase === "Healthy" && r.status.currentPodHash === h2,
  );
  assert.equal(imageOf(undone), "web:2");
  assert.deepEqual(
    (await replicaSets()).map((rs) => [revisionOf(rs), hashOf(rs) === h2]),
    [
      [1, false],
      [2, true],
      [3, false],
    ],
    "no new ReplicaSet for the undo",
  );
  await ok(
    "skipped rollback (current template already matches revision 2)",
    "undo",
    "web",
    "--to-revision",
    "2",
  );
  await refused("unable to find specified revision 7 in history", "undo", "web", "--to-revision", "7");

  await ok('rollout "web" image updated', "set", "image", "web", "web=web:4");
  await web.until(
    "v4 paused at step 1",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1,
  );
  await ok("rollout 'web' fully promoted", "promote", "web", "--full");
  const v4 = await web.until(
    "v4 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash,
  );
  assert.equal(imageOf(v4), "web:4");
  assert.notEqual(v4.status?.stableRS, h2);

  // A real 409: another writer changes the Rollout between the read and the patch; the command
  // reads again and its second patch lands.
  const store = clusterStore({ client: testClient(), namespace, user: undefined, close: () => undefined });
  let interfered = false;
  const racing: RolloutStore = {
    ...store,
    patch: async (name, fields, options) => {
      if (!interfered) {
        interfered = true;
        await testClient().mergePatch(
          Rollouts,
          { namespace, name },
          { metadata: { annotations: { touched: "yes" } } },
          "other",
        );
      }
      return store.patch(name, fields, options);
    },
  };
  const at = new Date();
  const outcome = await mutate(racing, "web", (r) => decideRestart(r, at, "0s"));
  assert.equal(outcome.attempts, 2);
  assert.equal(
    outcome.rollout.metadata?.annotations?.touched,
    "yes",
    "decided again from the changed Rollout",
  );
  const restartAt = (await web.get()).spec?.restartAt;
  assert.equal(restartAt, at.toISOString().replace(/\.\d{3}Z$/, "Z"));

  await ok("rollout 'web' restarts in 0s", "restart", "web");
  const restarted = await web.until(
    "restarted",
    (r) => r.status?.restartedAt === r.spec?.restartAt && r.status?.phase === "Healthy",
  );
  assert.ok(Date.parse(restarted.spec?.restartAt ?? "") >= Date.parse(restartAt ?? ""));
});

test("a blue/green Git manages, driven through the CLI: a warning on set image and undo; promote, abort, retry, promote --full, undo at once, pause and resume", async (t) => {
  const { namespace, ok, refused, replicaSets, web } = await setUp(t, "cli-act-bg", [
    "web-active",
    "web-preview",
  ]);
  await createRollout(
    namespace,
    {
      blueGreen: {
        activeService: "web-active",
        previewService: "web-preview",
        autoPromotionEnabled: false,
        scaleDownDelaySeconds: 30,
      },
    },
    { labels: { "sluice.dev/application": "shop" } },
  );
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");

  const warning = await ok('rollout "web" image updated', "set", "image", "web", "web=web:2");
  assert.match(
    warning,
    /^Warning: rollout 'web' is managed from Git by Application 'shop', and Git will win: .*change the image in Git\.\n$/,
  );
  const paused = await web.until(
    "paused before the switch",
    (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== r.status.stableRS,
  );
  assert.equal(paused.status?.pauseConditions?.[0]?.reason, "BlueGreenPause");
  await ok("rollout 'web' promoted", "promote", "web");
  const v2 = await web.until(
    "v2 active",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash,
  );
  assert.equal(v2.status?.blueGreen?.activeSelector, v2.status?.currentPodHash);
  const h2 = v2.status?.stableRS;

  await ok('rollout "web" image updated', "set", "image", "web", "web=web:3");
  await web.until("v3 in preview", (r) => r.status?.phase === "Paused" && r.status.currentPodHash !== h2);
  await ok("rollout 'web' aborted", "abort", "web");
  await web.until("aborted", (r) => r.status?.phase === "Degraded" && r.status.abort === true);
  await refused("rollout 'web' is aborted: use `kubectl sluice retry rollout web`", "promote", "web");
  await ok("rollout 'web' retried", "retry", "rollout", "web");
  await web.until("v3 in preview again", (r) => r.status?.phase === "Paused" && r.status.abort === false);
  await ok("rollout 'web' fully promoted", "promote", "web", "--full");
  const v3 = await web.until(
    "v3 active",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash,
  );
  assert.equal(imageOf(v3), "web:3");
  assert.notEqual(v3.status?.blueGreen?.activeSelector, h2);

  // undo to revision 2, still up in its scale-down delay: switched back at once, as the peer.
  const undoWarning = await ok("rollout 'web' undo", "undo", "web");
  assert.match(undoWarning, /reverts this undo\. To keep it, revert the change in Git\.\n$/);
  const back = await web.until(
    "v2 active again",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === h2,
  );
  assert.deepEqual([imageOf(back), back.status?.blueGreen?.activeSelector], ["web:2", h2]);
  assert.equal((await replicaSets()).length, 3, "undo made no new ReplicaSet");

  // pause holds the next update; promote resumes it, and promotes it at its pause.
  await ok("rollout 'web' paused", "pause", "web");
  await ok('rollout "web" image updated', "set", "image", "web", "web=web:4");
  await web.until(
    "v4 seen and held by the pause",
    (r) => r.status?.observedGeneration === r.metadata?.generation && r.status?.message === "manually paused",
  );
  await ok("rollout 'web' promoted", "promote", "web");
  const v4 = await web.until(
    "v4 in preview",
    (r) => r.status?.pauseConditions?.[0]?.reason === "BlueGreenPause" && r.status.currentPodHash !== h2,
  );
  assert.deepEqual([v4.spec?.paused, v4.status?.phase], [false, "Paused"]);
  await ok("rollout 'web' promoted", "promote", "web");
  const done = await web.until(
    "v4 active",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === r.status.currentPodHash,
  );
  assert.equal(imageOf(done), "web:4");
});
