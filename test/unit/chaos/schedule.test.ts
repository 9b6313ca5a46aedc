import assert from "node:assert/strict";
import { test } from "node:test";
import { FULL, SHORT } from "../../chaos/modes.ts";
import {
  type Fault,
  type FaultKind,
  faultSchedule,
  type ScheduleShape,
  withGitOutages,
  withVictims,
} from "../../chaos/schedule.ts";

const shape: ScheduleShape = {
  windowMs: 90_000,
  kills: 3,
  controlPlaneRestarts: 2,
  prometheusOutages: 2,
  prometheusDownMs: [8_000, 15_000],
  prometheusGapMs: 15_000,
  clearMs: 8_000,
  gitOutages: 2,
  gitDownMs: [5_000, 20_000],
};

const ofKind = (faults: Fault[], ...kinds: FaultKind[]) => faults.filter((f) => kinds.includes(f.kind));

test("a seed replays the same schedule; another seed gives another", () => {
  assert.deepEqual(faultSchedule(5, shape), faultSchedule(5, shape));
  assert.notDeepEqual(faultSchedule(5, shape), faultSchedule(6, shape));
});

test("every schedule holds what the invariants rely on", () => {
  for (let seed = 0; seed < 500; seed++) {
    const faults = faultSchedule(seed, shape);
    const where = `seed ${seed}: ${JSON.stringify(faults)}`;
    assert.equal(ofKind(faults, "kill-controller").length, 3, where);
    const controlPlane = ofKind(faults, "restart-apiserver", "restart-etcd");
    assert.equal(controlPlane.length, 2, where);
    assert.equal(
      controlPlane[0]?.kind,
      "restart-apiserver",
      `the API server restarts at least once: ${where}`,
    );
    for (const f of faults) {
      assert.ok(f.atMs >= 0 && f.atMs + f.downMs <= shape.windowMs, `inside the window: ${where}`);
    }
    // One lane never overlaps itself.
    for (const kinds of [
      ["kill-controller"],
      ["restart-apiserver", "restart-etcd"],
      ["break-git"],
    ] as FaultKind[][]) {
      const lane = ofKind(faults, ...kinds);
      for (let i = 1; i < lane.length; i++) {
        const [a, b] = [lane[i - 1] as Fault, lane[i] as Fault];
        assert.ok(a.atMs + a.downMs <= b.atMs, `${kinds} overlap: ${where}`);
      }
    }
    const git = ofKind(faults, "break-git");
    assert.equal(git.length, 2, where);
    assert.ok(
      git.every((g) => g.downMs >= 5_000 && g.downMs <= 20_000),
      where,
    );
    const outages = ofKind(faults, "stop-prometheus");
    assert.equal(outages.length, 2, where);
    for (const o of outages) assert.ok(o.downMs >= 8_000 && o.downMs <= 15_000, where);
    // The first outage opens the window and has its first clearMs to itself.
    assert.ok((outages[0]?.atMs ?? Number.NaN) <= 1000, where);
    // So does the first Git outage.
    assert.ok((git[0]?.atMs ?? Number.NaN) <= 1000, where);
    for (const f of faults.filter((f) => f !== outages[0] && f !== git[0])) {
      assert.ok(f.atMs >= shape.clearMs, `clear start: ${where}`);
    }
    const [o1, o2] = outages as [Fault, Fault];
    assert.ok(o2.atMs - (o1.atMs + o1.downMs) >= shape.prometheusGapMs, `outages too close: ${where}`);
    // The surviving controller sees a control-plane fault.
    const lastKill = Math.max(...ofKind(faults, "kill-controller").map((f) => f.atMs + f.downMs));
    const lastRestart = Math.max(...controlPlane.map((f) => f.atMs));
    assert.ok(lastRestart > lastKill, `a control-plane restart after the last kill: ${where}`);
  }
});

test("one control-plane restart still comes after the kills", () => {
  for (let seed = 0; seed < 200; seed++) {
    const faults = faultSchedule(seed, { ...shape, controlPlaneRestarts: 1 });
    const lastKill = Math.max(...ofKind(faults, "kill-controller").map((f) => f.atMs + f.downMs));
    const [restart] = ofKind(faults, "restart-apiserver");
    assert.ok(restart && restart.atMs > lastKill, `seed ${seed}`);
  }
});

test("a shape whose outages cannot fit is refused, not squeezed", () => {
  assert.throws(
    () => faultSchedule(1, { ...shape, prometheusOutages: 5, prometheusDownMs: [20_000, 20_000] }),
    /do not fit/,
  );
  assert.throws(() => faultSchedule(1, { ...shape, prometheusDownMs: [5_000, 9_000] }), /at least clearMs/);
});

test("HA victims leave the schedule as it was, hit the leader first and mostly, and replay with the seed", () => {
  for (const seed of [1, 2, 3, 42, 4242]) {
    const planned = faultSchedule(seed, SHORT.shape);
    const ha = withVictims(seed, planned);
    assert.deepEqual(
      ha.map(({ victim: _, ...f }) => f),
      planned,
    );
    const kills = ha.filter((f) => f.kind === "kill-controller");
    assert.ok(kills.every((f) => f.victim === "leader" || f.victim === "standby"));
    assert.equal(kills[0]?.victim, "leader");
    assert.deepEqual(withVictims(seed, planned), ha);
  }
  const many = withVictims(7, faultSchedule(7, { ...FULL.shape, kills: 40, windowMs: 2_000_000 }));
  const leaders = many.filter((f) => f.victim === "leader").length;
  assert.ok(leaders >= 24 && leaders < 40, `${leaders} of 40 kills hit the leader`);
});

test("Git outages are refused or hung by the seed, alternating, and the times stay the seed's", () => {
  const firsts = new Set<string | undefined>();
  for (let seed = 0; seed < 100; seed++) {
    const planned = faultSchedule(seed, shape);
    const git = withGitOutages(seed, planned);
    assert.deepEqual(
      git.map(({ gitOutage: _, ...f }) => f),
      planned,
    );
    assert.deepEqual(withGitOutages(seed, planned), git);
    const outages = git.filter((f) => f.kind === "break-git").map((f) => f.gitOutage);
    assert.equal(outages.length, 2);
    assert.notEqual(outages[0], outages[1], `seed ${seed}: ${outages}`);
    assert.ok(git.every((f) => (f.kind === "break-git") === (f.gitOutage !== undefined)));
    firsts.add(outages[0]);
  }
  assert.deepEqual([...firsts].sort(), ["hang", "refused"]);
});
