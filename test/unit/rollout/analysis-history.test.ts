import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { runHousekeeping } from "../../../src/rollout/analysis-history.ts";

const run = (name: string, phase: string | undefined, minute: number, terminate = false): AnalysisRun => ({
  metadata: { name, creationTimestamp: `2026-11-26T10:${String(minute).padStart(2, "0")}:00Z` },
  spec: terminate ? { terminate: true } : {},
  status: phase
    ? { phase: phase as never, completedAt: `2026-11-26T10:${String(minute).padStart(2, "0")}:30Z` }
    : {},
});

test("runs of steps left behind are terminated; the current one is not", () => {
  const rollout: Rollout = { spec: {} };
  const runs = [
    run("old-running", "Running", 1),
    run("current", "Running", 2),
    run("already", "Running", 3, true),
  ];
  const { terminate } = runHousekeeping(
    rollout,
    [...runs.slice(0, 2), { ...runs[2], status: {} } as AnalysisRun],
    ["current"],
  );
  assert.deepEqual(terminate, ["old-running"]);
});

test("completed runs beyond the history limits go, newest kept, successful and unsuccessful counted apart", () => {
  const runs = [
    ...[1, 2, 3, 4, 5, 6, 7].map((m) => run(`ok-${m}`, "Successful", m)),
    run("bad-1", "Failed", 8),
    run("bad-2", "Error", 9),
    run("bad-3", "Inconclusive", 10),
  ];
  const byDefault = runHousekeeping({ spec: {} }, runs, []);
  assert.deepEqual(byDefault.remove.sort(), ["ok-1", "ok-2"], "5 successful kept by default");
  const tight = runHousekeeping(
    { spec: { analysis: { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 1 } } },
    runs,
    [],
  );
  assert.deepEqual(tight.remove.sort(), ["bad-1", "bad-2", "ok-1", "ok-2", "ok-3", "ok-4", "ok-5", "ok-6"]);
});

test("completed runs left behind with a stopping verdict are marked once; kept, successful and collected ones are not", () => {
  const marked = (r: AnalysisRun): AnalysisRun => ({
    ...r,
    metadata: { ...r.metadata, annotations: { "sluice.dev/terminated-by-rollout": "true" } },
  });
  const runs = [
    run("ok", "Successful", 1),
    run("failed", "Failed", 2),
    run("error", "Error", 3),
    run("undecided", "Inconclusive", 4),
    run("current-undecided", "Inconclusive", 5),
    marked(run("marked-failed", "Failed", 6)),
    run("running", "Running", 7),
  ];
  const { supersede } = runHousekeeping({ spec: {} }, runs, ["current-undecided"]);
  assert.deepEqual(supersede.sort(), ["error", "failed", "undecided"]);
  // A run the history limit deletes is not marked first.
  const tight = runHousekeeping({ spec: { analysis: { unsuccessfulRunHistoryLimit: 1 } } }, runs, [
    "current-undecided",
  ]);
  assert.deepEqual(tight.remove.sort(), ["error", "failed", "undecided"]);
  assert.deepEqual(tight.supersede, [], "the one unsuccessful run kept is marked already");
});
