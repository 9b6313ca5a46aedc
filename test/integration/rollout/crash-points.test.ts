// Crash safety with deterministic crash points (DESIGN.md §9): for every n, the controller is
// killed right after its n-th write of a canary update (SLUICE_CRASH_AFTER_WRITE=n), a fresh one
// takes over, and the rollout must end exactly as an uninterrupted one: Healthy on the new
// template, the Services on it, and no extra ReplicaSets. One more run uses a seeded random n.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts, Services } from "../../../src/kube/resources.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet, Service } from "../../../src/rollout/world.ts";
import { ManagedProcess } from "../../cluster/process.ts";
import { readAuditEvents } from "../../helpers/audit.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { createServices, installRolloutCrd } from "../../helpers/rollouts.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const repoRoot = resolve(fileURLToPath(import.meta.url), "../../../..");
const template = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

async function controller(namespace: string, identity: string, logDir: string, crashAfter?: number) {
  return ManagedProcess.start({
    name: identity,
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      join(repoRoot, "test/fixtures/rollout-sluice.ts"),
      `--kubeconfig=${requireEnv(ENV.kubeconfig)}`,
      `--namespace=${namespace}`,
      "--leader-elect=false",
      `--identity=${identity}`,
      "--metrics-addr=127.0.0.1:0",
      "--log-level=debug",
    ],
    logFile: join(logDir, `${identity}.log`),
    cwd: repoRoot,
    env: { ...process.env, ...(crashAfter ? { SLUICE_CRASH_AFTER_WRITE: String(crashAfter) } : {}) },
  });
}

interface Outcome {
  writesOfUpdate: number;
  crashed: boolean;
}

/** One scenario: v1 Healthy, then an update to v2 run by a controller that crashes after write n. */
async function scenario(t: TestContext, crashAfter: number | undefined, logDir: string): Promise<Outcome> {
  const namespace = await useNamespace(t, "crash");
  const client = testClient();
  await createServices(namespace, ["web-stable", "web-canary"]);
  const get = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const healthyOn = (hash?: string) => (r: Rollout) =>
    r.status?.phase === "Healthy" &&
    r.status.observedGeneration === r.metadata?.generation &&
    (hash === undefined || r.status.stableRS === hash);
  const until = (what: string, ok: (r: Rollout) => boolean) =>
    waitFor(what, async () => {
      const r = await get();
      return ok(r)
        ? r
        : pending(
            JSON.stringify({
              phase: r.status?.phase,
              state: r.status?.sluice?.machine?.value,
              step: r.status?.currentStepIndex,
            }),
          );
    });

  const setup = await controller(namespace, `${namespace}-setup`, logDir);
  await client.create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: template("web:1"),
        strategy: {
          canary: {
            canaryService: "web-canary",
            stableService: "web-stable",
            steps: [{ setWeight: 50 }, { pause: { duration: 1 } }],
          },
        },
      },
    },
    "test",
  );
  const h1 = (await until("v1 Healthy", healthyOn())).status?.stableRS ?? "";
  await setup.stop();

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: template("web:2") } },
    "test",
  );
  let crashed = false;
  if (crashAfter !== undefined) {
    const doomed = await controller(namespace, `${namespace}-crash`, logDir, crashAfter);
    const finished = until("v2 Healthy", (r) => healthyOn()(r) && r.status?.stableRS !== h1).then(
      () => "finished" as const,
    );
    const outcome = await Promise.race([doomed.exited.then(() => "exited" as const), finished]);
    crashed = outcome === "exited";
    if (!crashed) await doomed.stop();
    finished.catch(() => undefined);
  }
  const survivor = await controller(namespace, `${namespace}-survivor`, logDir);
  const done = await until(
    "v2 Healthy after the restart",
    (r) => healthyOn()(r) && r.status?.stableRS !== h1,
  );
  await survivor.stop();

  const h2 = done.status?.stableRS ?? "";
  const sets = (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items;
  const where = `crash after write ${crashAfter}`;
  assert.deepEqual(
    sets.map((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]).sort(),
    [h1, h2].sort(),
    `${where}: exactly the two ReplicaSets`,
  );
  const byHash = (h: string) => sets.find((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === h);
  assert.equal(byHash(h2)?.spec?.replicas, 2, where);
  assert.equal(byHash(h1)?.spec?.replicas, 0, where);
  assert.equal(done.status?.currentStepIndex, 2, where);
  assert.equal(done.status?.abort ?? false, false, where);
  for (const name of ["web-stable", "web-canary"]) {
    const svc = await client.get<Service>(Services, { namespace, name });
    assert.equal(svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL], h2, `${where}: ${name}`);
  }
  const writer = crashAfter === undefined ? `${namespace}-survivor` : `${namespace}-crash`;
  const writes = (await readAuditEvents()).filter((e) => e.userAgent?.includes(`(${writer})`)).length;
  return { writesOfUpdate: writes, crashed };
}

test("a canary update ends the same whichever write the controller crashes after", {
  timeout: 600_000,
}, async (t) => {
  await installRolloutCrd();
  const logDir = await mkdtemp(join(tmpdir(), "sluice-crash-"));
  t.diagnostic(`controller logs: ${logDir}`);
  const baseline = await scenario(t, undefined, logDir);
  const total = baseline.writesOfUpdate;
  assert.ok(total >= 5, `the update takes several writes (${total})`);
  t.diagnostic(`an uninterrupted update makes ${total} writes; crashing after each of them`);

  const points = Array.from({ length: total }, (_, i) => i + 1);
  let crashes = 0;
  // Three scenarios at a time, each in its own namespace with its own controllers.
  for (let i = 0; i < points.length; i += 3) {
    const outcomes = await Promise.all(points.slice(i, i + 3).map((n) => scenario(t, n, logDir)));
    crashes += outcomes.filter((o) => o.crashed).length;
  }
  assert.ok(crashes >= total - 2, `the controller really crashed (${crashes} of ${total} runs)`);

  const seed = Number(process.env.SLUICE_CRASH_SEED ?? Date.now() % 1_000_000);
  const n = 1 + (((seed * 2654435761) >>> 0) % total);
  t.diagnostic(
    `seeded random crash point: seed ${seed} → crash after write ${n} (rerun with SLUICE_CRASH_SEED=${seed})`,
  );
  console.log(`[crash-points] seed ${seed} → n=${n}`);
  await scenario(t, n, logDir);
});
