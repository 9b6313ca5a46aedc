import assert from "node:assert/strict";
import { test } from "node:test";
import { exposedOutages, subtract, union, type Window, zeroToleranceVerdict } from "../../chaos/windows.ts";

const w = (component: Window["component"], startMs: number, endMs: number): Window => ({
  component,
  startMs,
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
  ];
  assert.deepEqual(exposedOutages(windows, 0), [
    [1000, 2000],
    [4000, 6000],
    [7000, 9000],
  ]);
  // Before the analysis started, an outage exposes nothing.
  assert.deepEqual(exposedOutages(windows, 5000), [
    [5000, 6000],
    [7000, 9000],
  ]);
});

test("zero tolerance: a long enough exposed outage must abort, a short one may, none must not", () => {
  assert.equal(zeroToleranceVerdict([[0, 4000]], 3000), "must-abort");
  assert.equal(zeroToleranceVerdict([[0, 1000]], 3000), "may-abort");
  assert.equal(zeroToleranceVerdict([], 3000), "must-not-abort");
});
