// Crash safety with deterministic crash points (DESIGN.md §9): for every n, the controller is
// killed right after its n-th write of a canary update (SLUICE_CRASH_AFTER_WRITE=n), a fresh one
// takes over, and the rollout must end exactly as an uninterrupted one: Healthy on the new
// template, the Services on it, and no extra ReplicaSets. One more run uses a seeded random n.
// Every listed point must really crash there: the doomed process dies by SIGKILL and the audit
// log holds exactly n successful writes of it.
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
import { auditMark, auditMatches, auditUntilNow } from "../../helpers/audit.ts";
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
  /** Successful writes of the process that ran the update (the doomed one, if any), per the audit log. */
  writes: number;
  crashed: boolean;
}

/** One scenario: v1 Healthy, then an update to v2 run by a controller that crashes after write n. */
async function scenario(t: TestContext, crashAfter: number | undefined, logDir: string): Promise<Outcome> {
  const namespace = await useNamespace(t, "crash");
  const client = testClient();
  await createServices(namespace, ["web-stable", "web-canary"]);
  // A failed wait leaves its controllers running: stop them when the test ends.
  const start = async (identity: string, crashAfter?: number) => {
    const started = await controller(namespace, identity, logDir, crashAfter);
    t.after(() => started.stop(2000));
    return started;
  };
  const mark = await auditMark();
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

  const setup = await start(`${namespace}-setup`);
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
  const writesOf = async (identity: string) =>
    (await auditUntilNow(mark, namespace)).filter((e) =>
      auditMatches(e, { userAgent: `(${identity})`, succeeded: true }),
    ).length;
  let doomedWrites = 0;
  let crashed = false;
  if (crashAfter !== undefined) {
    const doomed = await start(`${namespace}-crash`, crashAfter);
    const finished = until("v2 Healthy", (r) => healthyOn()(r) && r.status?.stableRS !== h1).then(
      () => "finished" as const,
    );
    finished.catch(() => undefined);
    const exited = doomed.exited.then(() => "exited" as const);
    // Finished without crashing: stopped as the baseline's controller is, with SIGTERM, so the
    // reconcile in flight completes (its writes after the Healthy status may reach the crash
    // point, and the process dies there) and no further one starts.
    if ((await Promise.race([exited, finished])) === "finished") await doomed.stop();
    const exit = await doomed.exited;
    // The crash hook (SLUICE_CRASH_AFTER_WRITE, src/kube/transport.ts) kills with SIGKILL right
    // after the n-th 2xx write; stop() kills with SIGKILL too, but only after fewer writes.
    doomedWrites = await writesOf(`${namespace}-crash`);
    crashed = exit.signal === "SIGKILL" && doomedWrites === crashAfter;
  }
  const survivor = await start(`${namespace}-survivor`);
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
  // Only successful writes: the crash hook counts 2xx answers, so a failed write (409
  // AlreadyExists, 404 NotFound) in the baseline would be a crash point that no run reaches.
  const writes = crashAfter === undefined ? await writesOf(`${namespace}-survivor`) : doomedWrites;
  return { writes, crashed };
}

test("a canary update ends the same whichever write the controller crashes after", {
  timeout: 600_000,
}, async (t) => {
  await installRolloutCrd();
  const logDir = await mkdtemp(join(tmpdir(), "sluice-crash-"));
  t.diagnostic(`controller logs: ${logDir}`);
  // How many writes an update takes varies a little (a status write more when the ReplicaSet's
  // status changes between two reconciles; 25 to 28 here): the points are those the shortest of
  // six uninterrupted updates reached, so nearly every run reaches each of them.
  const baselines: Outcome[] = [];
  for (let i = 0; i < 2; i++) {
    baselines.push(...(await Promise.all([1, 2, 3].map(() => scenario(t, undefined, logDir)))));
  }
  const total = Math.min(...baselines.map((b) => b.writes));
  assert.ok(total >= 5, `the update takes several writes (${total})`);
  t.diagnostic(
    `uninterrupted updates made ${baselines.map((b) => b.writes).join(", ")} writes; crashing after each of 1..${total}`,
  );

  /**
   * Runs the scenario with crash point n until the controller crashes there. A run whose whole
   * update took fewer than n writes cannot crash at n: it is tried again, at most three times more.
   */
  const crashAt = async (n: number) => {
    const shortRuns: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const outcome = await scenario(t, n, logDir);
      if (outcome.crashed) return { n, shortRuns, crashed: true };
      assert.ok(
        outcome.writes < n,
        `crash after write ${n}: the controller made ${outcome.writes} writes and was not killed at write ${n}`,
      );
      shortRuns.push(outcome.writes);
    }
    return { n, shortRuns, crashed: false };
  };
  const pointText = (r: { n: number; shortRuns: number[] }) =>
    `write ${r.n} (runs that ended after ${r.shortRuns.join(", ")} writes)`;

  const points = Array.from({ length: total }, (_, i) => i + 1);
  const results: Awaited<ReturnType<typeof crashAt>>[] = [];
  // Three scenarios at a time, each in its own namespace with its own controllers.
  for (let i = 0; i < points.length; i += 3) {
    results.push(...(await Promise.all(points.slice(i, i + 3).map(crashAt))));
  }
  const retried = results.filter((r) => r.shortRuns.length > 0);
  if (retried.length > 0) t.diagnostic(`tried again: ${retried.map(pointText).join("; ")}`);
  assert.deepEqual(
    results.filter((r) => !r.crashed).map(pointText),
    [],
    "every crash point crashed the controller at that write",
  );

  const seed = Number(process.env.SLUICE_CRASH_SEED ?? Date.now() % 1_000_000);
  const n = 1 + (((seed * 2654435761) >>> 0) % total);
  t.diagnostic(
    `seeded random crash point: seed ${seed} → crash after write ${n} (rerun with SLUICE_CRASH_SEED=${seed})`,
  );
  console.log(`[crash-points] seed ${seed} → n=${n}`);
  const seeded = await crashAt(n);
  assert.ok(seeded.crashed, `the seeded run crashed at ${pointText(seeded)}`);
});
