// ttlStrategy: when a completed AnalysisRun is due for deletion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deleteAt } from "../../../src/analysis/ttl.ts";
import type { AnalysisPhase, TTLStrategy } from "../../../src/api/analysis.ts";

const DONE = "2026-11-26T10:00:00.000Z";
const T = Date.parse(DONE);

test("deleteAt: the TTL that applies to the phase, after completedAt", () => {
  const all: TTLStrategy = { secondsAfterCompletion: 100, secondsAfterSuccess: 10, secondsAfterFailure: 20 };
  const cases: [AnalysisPhase | undefined, TTLStrategy | undefined, number | undefined][] = [
    // Which field applies.
    ["Successful", all, 10],
    ["Failed", all, 20],
    ["Error", all, 100],
    ["Inconclusive", all, 100],
    // Fallback to secondsAfterCompletion.
    ["Successful", { secondsAfterCompletion: 100, secondsAfterFailure: 20 }, 100],
    ["Failed", { secondsAfterCompletion: 100, secondsAfterSuccess: 10 }, 100],
    ["Error", { secondsAfterCompletion: 100 }, 100],
    ["Inconclusive", { secondsAfterCompletion: 100 }, 100],
    // Nothing applies.
    ["Successful", { secondsAfterFailure: 20 }, undefined],
    ["Failed", { secondsAfterSuccess: 10 }, undefined],
    ["Successful", {}, undefined],
    ["Successful", undefined, undefined],
    // Not completed.
    ["Running", all, undefined],
    ["Pending", all, undefined],
    [undefined, all, undefined],
    // Zero is "at once"; fractions are honoured.
    ["Successful", { secondsAfterSuccess: 0 }, 0],
    ["Failed", { secondsAfterFailure: 0, secondsAfterCompletion: 100 }, 0],
    ["Successful", { secondsAfterSuccess: 1.5 }, 1.5],
    // Invalid values are as if unset (a typo keeps the run).
    ["Successful", { secondsAfterSuccess: -1, secondsAfterCompletion: 100 }, 100],
    ["Successful", { secondsAfterSuccess: -1 }, undefined],
    ["Failed", { secondsAfterFailure: "30" as unknown as number }, undefined],
    ["Failed", { secondsAfterFailure: Number.NaN, secondsAfterCompletion: 5 }, 5],
  ];
  for (const [phase, ttl, seconds] of cases) {
    assert.equal(
      deleteAt(phase, DONE, ttl),
      seconds === undefined ? undefined : T + seconds * 1000,
      JSON.stringify({ phase, ttl }),
    );
  }
});

test("deleteAt: no usable completedAt, no deletion", () => {
  const ttl: TTLStrategy = { secondsAfterCompletion: 1 };
  assert.equal(deleteAt("Successful", undefined, ttl), undefined);
  assert.equal(deleteAt("Successful", "", ttl), undefined);
  assert.equal(deleteAt("Successful", "not a time", ttl), undefined);
  assert.equal(deleteAt("Failed", "2026-11-26T10:00:00Z", ttl), T + 1000);
});
