// Leader election between real processes: exactly one replica reconciles; when the leader is
// killed the other takes over within leaseDuration + 2 × retryPeriod + 5 s; and a leader that was
// paused (SIGSTOP) and resumed after losing the lease makes no write at all — counted in the API
// server's audit log by user agent, never by sluice's own counters.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ManagedProcess } from "../../cluster/process.ts";
import { toyCrd } from "../../fixtures/toy-controllers.ts";
import { auditMark, auditMatches, auditUntilNow } from "../../helpers/audit.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";
import { startToyReplica, toyWorld } from "../../helpers/toy-replicas.ts";

const LEASE = { duration: 3000, renewDeadline: 2000, retry: 500 };

test("one leader reconciles; kill -9 fails over in time; a paused old leader writes nothing", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "leader");
  const logDir = await mkdtemp(join(tmpdir(), "sluice-leader-"));
  t.diagnostic(`replica logs: ${logDir}`);
  const replicas: ManagedProcess[] = [];
  t.after(async () => {
    for (const r of replicas) await r.stop(2000);
  });
  const { create, setInput, waitHolder, waitConverged, running } = toyWorld(namespace);
  const startReplica = (identity: string) =>
    startToyReplica({ identity, kubeconfig: requireEnv(ENV.kubeconfig), namespace, logDir, lease: LEASE });
  const start = await auditMark();
  // Up to a request of the test's own: every request answered before the call is counted.
  const writesBy = async (identity: string, since = start) =>
    (await auditUntilNow(since, namespace)).filter((e) =>
      auditMatches(e, { namespace, userAgent: `(${identity})` }),
    );

  for (const name of ["t1", "t2", "t3"]) await create(name, "a");

  // 1. Exactly one replica reconciles.
  const a = await startReplica("toy-a");
  replicas.push(a);
  await waitHolder("toy-a");
  const b = await startReplica("toy-b");
  replicas.push(b);
  for (const name of ["t1", "t2", "t3"]) await waitConverged(name, "a");
  await running(b);
  await setInput("t1", "a2");
  await waitConverged("t1", "a2");
  const toyWritesBy = async (identity: string) =>
    (await writesBy(identity)).filter((e) => e.objectRef?.resource === "toys").length;
  assert.ok((await toyWritesBy("toy-a")) >= 4, "the leader wrote the statuses");
  assert.equal(await toyWritesBy("toy-b"), 0, "the standby wrote nothing");

  // 2. kill -9 the leader: the standby takes over within lease + 2 × retry + 5 s. The standby
  // sees the leader's last renewal at its next poll (≤ retry later), takes the lease at the first
  // poll once it has been unchanged for leaseDuration (≤ retry more); 5 s is slack for a loaded
  // machine. The wait itself is longer, so a slow failover fails with its measured time.
  const failoverBoundMs = LEASE.duration + 2 * LEASE.retry + 5000;
  const killedAt = Date.now();
  a.signal("SIGKILL");
  await waitHolder("toy-b", failoverBoundMs + 10_000);
  const failoverMs = Date.now() - killedAt;
  t.diagnostic(`failover after kill -9: ${failoverMs}ms`);
  assert.ok(failoverMs <= failoverBoundMs, `failover took ${failoverMs}ms (bound ${failoverBoundMs}ms)`);
  await setInput("t1", "b");
  await waitConverged("t1", "b");

  // 3. Pause the new leader until a third replica has taken over, change objects, resume it.
  const c = await startReplica("toy-c");
  replicas.push(c);
  await running(c);
  b.signal("SIGSTOP");
  await waitHolder("toy-c");
  // The paused replica's watch now has these changes waiting for it.
  await setInput("t2", "c");
  await setInput("t3", "c");
  await waitConverged("t2", "c");
  await waitConverged("t3", "c");
  // Stopped, b sends nothing, and what it sent before stopping landed long ago (c took the lease
  // only after it had gone unrenewed for leaseDuration): its writes from here on are its own
  // after the resume.
  const resumedAt = await auditMark();
  b.signal("SIGCONT");
  const exit = await Promise.race([
    b.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000)),
  ]);
  assert.equal(exit?.code, 1, "the deposed leader exits with 1 once it sees it lost the lease");
  const afterPause = await writesBy("toy-b", resumedAt);
  assert.deepEqual(
    afterPause.map((e) => `${e.verb} ${e.requestURI}`),
    [],
    "the resumed old leader made no write after it was paused",
  );
});
