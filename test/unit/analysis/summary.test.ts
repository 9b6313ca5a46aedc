// runSummary counts the deciding metrics, dryRunSummary the dry-run ones, each by completed phase.
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarize } from "../../../src/analysis/summary.ts";
import type { AnalysisPhase } from "../../../src/api/analysis.ts";

const zero = { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 };

test("summaries: by group and phase; Pending and Running count only toward count", () => {
  const cases: {
    results: { phase: AnalysisPhase; dryRun?: boolean }[];
    run: typeof zero;
    dry: typeof zero;
  }[] = [
    { results: [], run: zero, dry: zero },
    { results: [{ phase: "Successful" }], run: { ...zero, count: 1, successful: 1 }, dry: zero },
    {
      results: [
        { phase: "Successful" },
        { phase: "Failed" },
        { phase: "Inconclusive" },
        { phase: "Error" },
        { phase: "Running" },
        { phase: "Pending" },
      ],
      run: { count: 6, successful: 1, failed: 1, inconclusive: 1, error: 1 },
      dry: zero,
    },
    {
      results: [
        { phase: "Successful" },
        { phase: "Failed", dryRun: true },
        { phase: "Error", dryRun: true },
        { phase: "Running", dryRun: true },
      ],
      run: { ...zero, count: 1, successful: 1 },
      dry: { ...zero, count: 3, failed: 1, error: 1 },
    },
    {
      results: [
        { phase: "Inconclusive", dryRun: true },
        { phase: "Successful", dryRun: true },
      ],
      run: zero,
      dry: { ...zero, count: 2, inconclusive: 1, successful: 1 },
    },
    {
      results: [{ phase: "Failed", dryRun: false }],
      run: { ...zero, count: 1, failed: 1 },
      dry: zero,
    },
  ];
  for (const c of cases) {
    const { runSummary, dryRunSummary } = summarize(c.results);
    assert.deepEqual(runSummary, c.run, JSON.stringify(c.results));
    assert.deepEqual(dryRunSummary, c.dry, JSON.stringify(c.results));
  }
});
