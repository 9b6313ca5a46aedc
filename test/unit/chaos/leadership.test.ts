import assert from "node:assert/strict";
import { test } from "node:test";
import {
  failoverCheck,
  failovers,
  identityOf,
  type LeaseTimings,
  leadershipWindows,
  leaseWrites,
  neverTwoWriters,
  RECEIVE_TOLERANCE_MS,
} from "../../chaos/leadership.ts";
import type { AuditEvent } from "../../helpers/audit.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const lease: LeaseTimings = {
  namespace: "chaos",
  name: "sluice-controller",
  durationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

let n = 0;
function event(identity: string, atMs: number, resource: string, verb = "update", code = 200): AuditEvent {
  const name = resource === "leases" ? lease.name : "web-1";
  return {
    auditID: String(++n),
    stage: "ResponseComplete",
    verb,
    requestURI: `/apis/x/v1/namespaces/chaos/${resource}/${name}`,
    userAgent: `sluice/0.1.0 (${identity})`,
    objectRef: { resource, namespace: "chaos", name },
    responseStatus: { code },
    requestReceivedTimestamp: new Date(T0 + atMs).toISOString(),
  };
}
const renew = (identity: string, atMs: number, code = 200) => event(identity, atMs, "leases", "update", code);
const write = (identity: string, atMs: number) => event(identity, atMs, "rollouts", "patch");

/** a leads from 0 and renews every 2 s up to 10 s, is killed; b takes over at 26 s. */
const handover = [0, 2, 4, 6, 8, 10].map((s) => renew("a-1", s * 1000)).concat([renew("b-1", 26_000)]);

test("the identity comes from sluice's user agent, nothing else counts", () => {
  assert.equal(identityOf(write("chaos-ctl-a-1", 0)), "chaos-ctl-a-1");
  assert.equal(
    identityOf({ ...write("x", 0), userAgent: "kube-controller-manager/v1.33 (linux)" }),
    undefined,
  );
});

test("leadership lasts from each renew to the renew deadline, cut by another's acquire", () => {
  const windows = leadershipWindows(leaseWrites(handover, lease), lease.renewDeadlineMs);
  assert.deepEqual(windows.get("a-1"), [[T0, T0 + 20_000]]);
  assert.deepEqual(windows.get("b-1"), [[T0 + 26_000, T0 + 36_000]]);
  const early = leadershipWindows(leaseWrites([renew("a-1", 0), renew("b-1", 4_000)], lease), 10_000);
  assert.deepEqual(early.get("a-1"), [[T0, T0 + 4_000]]);
});

test("failed Lease writes win nothing", () => {
  assert.deepEqual(
    leaseWrites([renew("a-1", 0, 409), renew("b-1", 1, 200)], lease).map((w) => w.identity),
    ["b-1"],
  );
});

test("writes inside the writer's window pass; Lease writes, dry runs and access reviews are not judged", () => {
  const dryRun = { ...write("b-1", 12_000), requestURI: "/apis/x?dryRun=All&fieldManager=f" };
  const review = event("b-1", 12_000, "selfsubjectaccessreviews", "create", 201);
  const [check, fence] = neverTwoWriters(
    [...handover, write("a-1", 9_000), write("b-1", 27_000), dryRun, review],
    lease,
  );
  assert.deepEqual([...check.failures, ...fence.failures], []);
  assert.equal(check.checked, 2);
});

test("a write by the old leader after the takeover names both replicas", () => {
  const [check, fence] = neverTwoWriters([...handover, write("a-1", 26_500)], lease);
  assert.deepEqual(fence.failures, []);
  assert.equal(check.failures.length, 1);
  assert.match(check.failures[0] ?? "", /a-1: patch rollouts\/web-1 .* while b-1 held the lease/);
});

test("a write past the renew deadline fails beyond the receive tolerance only", () => {
  const late = (ms: number) => neverTwoWriters([...handover, write("a-1", 20_000 + ms)], lease)[1].failures;
  assert.deepEqual(late(RECEIVE_TOLERANCE_MS - 1), []);
  assert.match(late(RECEIVE_TOLERANCE_MS + 1)[0] ?? "", /renew deadline passed/);
});

test("a standby's write, before it ever held the lease, fails", () => {
  const [check] = neverTwoWriters([...handover, write("b-1", 5_000)], lease);
  assert.match(check.failures[0] ?? "", /b-1: .* while a-1 held the lease/);
});

test("a failover is timed from the kill to the other replica's first Lease write", () => {
  const writes = leaseWrites(handover, lease);
  const list = failovers([{ identity: "a-1", wasLeader: true, atMs: T0 + 10_500 }], writes, [], lease);
  assert.equal(list[0]?.takenAtMs, T0 + 26_000);
  const check = failoverCheck(list, lease);
  assert.deepEqual(check.failures, []);
  assert.match(check.invariant, /15\.5 s, max 15\.5 s/);
});

test("a slow failover fails unless the API server was down meanwhile", () => {
  const slow = [renew("a-1", 0), renew("b-1", 30_000)];
  const kill = [{ identity: "a-1", wasLeader: true, atMs: T0 + 1_000 }];
  const none = failovers(kill, leaseWrites(slow, lease), [], lease);
  assert.match(failoverCheck(none, lease).failures[0] ?? "", /b-1 took the lease after 29000 ms > 22000 ms/);
  const apiDown = [
    { component: "kube-apiserver" as const, startMs: T0 + 15_000, restartMs: 0, endMs: T0 + 25_000 },
  ];
  assert.deepEqual(
    failoverCheck(failovers(kill, leaseWrites(slow, lease), apiDown, lease), lease).failures,
    [],
  );
  const never = failovers(kill, leaseWrites([renew("a-1", 0)], lease), [], lease);
  assert.match(failoverCheck(never, lease).failures[0] ?? "", /no other replica took the lease/);
});
