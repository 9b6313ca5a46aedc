import assert from "node:assert/strict";
import { test } from "node:test";
import {
  errorVerdict,
  exposedOutages,
  type Interval,
  joinClose,
  streakGroups,
  subtract,
  surelySeeing,
  union,
  type Window,
} from "../../chaos/windows.ts";

const w = (component: Window["component"], startMs: number, endMs: number, restartMs = endMs): Window => ({
  component,
  startMs,
  restartMs,
  endMs,
});

test("union merges overlapping and touching intervals and drops empty ones", () => {
  assert.deepEqual(
    union([
      [5, 7],
      [1, 3],
      [3, 4],
      [6, 9],
      [10, 10],
    ]),
    [
      [1, 4],
      [5, 9],
    ],
  );
});

test("subtract cuts holes, splitting an interval in two", () => {
  assert.deepEqual(subtract([[0, 10]], [[3, 5]]), [
    [0, 3],
    [5, 10],
  ]);
  assert.deepEqual(subtract([[0, 10]], [[-1, 11]]), []);
  assert.deepEqual(subtract([[0, 10]], [[10, 12]]), [[0, 10]]);
});

test("Prometheus downtime counts only while the controller, the API server and etcd were up", () => {
  const windows = [
    w("prometheus", 1000, 9000),
    w("controller", 2000, 4000),
    w("kube-apiserver", 6000, 7000),
    w("etcd", 20_000, 21_000),
    // Git being unreachable does not blind the analysis.
    w("git", 0, 30_000),
  ];
  assert.deepEqual(exposedOutages(windows, "surely", 0), [
    [1000, 2000],
    [4000, 6000],
    [7000, 9000],
  ]);
  // Before the analysis started, an outage exposes nothing.
  assert.deepEqual(exposedOutages(windows, "surely", 5000), [
    [5000, 6000],
    [7000, 9000],
  ]);
  // Nor after it ended.
  assert.deepEqual(exposedOutages(windows, "surely", 0, 3000), [[1000, 2000]]);
});

const tolerance = { retryMs: 10_000, slackMs: 4_000 };
const both = (exposed: Interval[]) => ({ surely: exposed, possibly: exposed });

test("zero tolerance: a long enough exposed outage must abort, a short one may, none must not", () => {
  const zero = { ...tolerance, limit: 0, intervalMs: 1_000 };
  assert.equal(errorVerdict(both([[0, 5_000]]), zero), "must-abort");
  assert.equal(errorVerdict(both([[0, 1_000]]), zero), "may-abort");
  assert.equal(errorVerdict(both([]), zero), "must-not-abort");
});

test("a tolerance of 3 errors 10 s apart rides out under 30 s and surely fails past 36 s", () => {
  const three = { ...tolerance, limit: 3, intervalMs: 2_000 };
  assert.equal(errorVerdict(both([[0, 29_999]]), three), "must-not-abort");
  assert.equal(errorVerdict(both([[0, 30_000]]), three), "may-abort");
  assert.equal(errorVerdict(both([[0, 36_000]]), three), "must-abort");
  // Two stretches 5 s apart (the controller restarting in between): no measurement can have
  // succeeded in the gap, so their errors add up.
  assert.equal(
    errorVerdict(
      both([
        [0, 20_000],
        [25_000, 40_000],
      ]),
      three,
    ),
    "may-abort",
  );
  // 20 s apart: a successful measurement came between, the streak was reset.
  assert.equal(
    errorVerdict(
      both([
        [0, 20_000],
        [40_000, 60_000],
      ]),
      three,
    ),
    "must-not-abort",
  );
});

test("stretches far apart still add up when the controller could not measure in between", () => {
  const three = { ...tolerance, limit: 3, intervalMs: 2_000 };
  const apart = both([
    [0, 20_000],
    [40_000, 60_000],
  ]);
  // The 20 s between them a failover (controller down from 19 s to 38 s): no success in between.
  const failover = w("controller", 19_000, 38_000);
  const prometheus = [w("prometheus", 0, 20_000), w("prometheus", 40_000, 60_000)];
  const blind = surelySeeing([failover, ...prometheus], 0, 60_000);
  assert.deepEqual(blind, [[38_000, 40_000]]);
  assert.equal(errorVerdict(apart, three, blind), "may-abort");
  // Seen for 13 s at a stretch (≥ retry + interval): a measurement surely reset the streak.
  const seen = surelySeeing([w("controller", 20_000, 27_000), ...prometheus], 0, 60_000);
  assert.equal(errorVerdict(apart, three, seen), "must-not-abort");
  // Several short stretches bounded per stretch: 1 + 1 + 1 errors at most, within the limit.
  const short = both([
    [0, 2_000],
    [20_000, 22_000],
    [40_000, 42_000],
  ]);
  assert.equal(errorVerdict(short, three, []), "must-not-abort");
  assert.deepEqual(
    streakGroups(short.possibly, 12_000, []).map((g) => g.length),
    [3],
  );
});

test("joinClose joins stretches closer than the gap only", () => {
  assert.deepEqual(
    joinClose(
      [
        [0, 1],
        [3, 4],
        [10, 12],
      ],
      5,
    ),
    [
      [0, 4],
      [10, 12],
    ],
  );
});

test("a component being restarted may act before it surely serves: the views differ", () => {
  // Prometheus stopped at 0, restarted at 10 s, readable at 12 s; a controller killed at 4 s,
  // started again at 5 s, every informer synced at 9 s.
  const windows = [w("prometheus", 0, 12_000, 10_000), w("controller", 4_000, 9_000, 5_000)];
  assert.deepEqual(exposedOutages(windows, "surely", 0), [
    [0, 4_000],
    [9_000, 10_000],
  ]);
  assert.deepEqual(exposedOutages(windows, "possibly", 0), [
    [0, 4_000],
    [5_000, 12_000],
  ]);
});
