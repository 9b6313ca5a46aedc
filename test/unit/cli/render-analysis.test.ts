// The analysis renderers (`get analysisrun`, `list analysisruns`) on fixed runs and a fixed now,
// against golden text read once by eye.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { renderAnalysisRunGet } from "../../../src/cli/render/analysisrun-get.ts";
import { summaryText } from "../../../src/cli/render/analysisrun-info.ts";
import { renderAnalysisRunList } from "../../../src/cli/render/analysisrun-list.ts";
import { FANCY, PLAIN, SYMBOLS } from "../../../src/cli/render/style.ts";
import { errorRun, failedRun, runningRun, successfulRun } from "./analysis-fixtures.ts";
import { NOW } from "./fixtures.ts";
import { assertGolden } from "./golden.ts";

test("a Successful step run: origin, both metrics, the last 3 of 5 measurements kept", () => {
  assertGolden("get-analysisrun-successful.txt", renderAnalysisRunGet(successfulRun(), NOW, SYMBOLS));
});

test("a background run Failed past its failureLimit, the other metric ended by the verdict", () => {
  assertGolden("get-analysisrun-failed.txt", renderAnalysisRunGet(failedRun(), NOW, SYMBOLS));
});

test("a run still measuring after an Inconclusive; a dry-run metric not begun (piped: plain)", () => {
  assertGolden("get-analysisrun-running-plain.txt", renderAnalysisRunGet(runningRun(), NOW, PLAIN));
});

test("an Error run: the provider's message on each measurement; -o wide keeps timestamps and the whole value", () => {
  assertGolden("get-analysisrun-error.txt", renderAnalysisRunGet(errorRun(), NOW, SYMBOLS));
  assertGolden(
    "get-analysisrun-error-wide.txt",
    renderAnalysisRunGet(errorRun(), NOW, PLAIN, { wide: true }),
  );
});

test("colour only adds ANSI codes", () => {
  const coloured = renderAnalysisRunGet(failedRun(), NOW, FANCY);
  assert.ok(coloured.includes("\x1b[31m✖\x1b[0m"), "a red ✖");
  assert.equal(stripVTControlCharacters(coloured), renderAnalysisRunGet(failedRun(), NOW, SYMBOLS));
});

test("terminate requested shows in the header until the controller ends the run", () => {
  const run = runningRun();
  if (run.spec) run.spec.terminate = true;
  assert.match(renderAnalysisRunGet(run, NOW, PLAIN), /^Terminate: +requested$/m);
});

test("list: a namespace's runs, oldest first; -A and -o wide add columns", () => {
  const runs = [errorRun(), successfulRun(), failedRun(), runningRun()];
  assertGolden(
    "list-analysisruns.txt",
    renderAnalysisRunList(runs, NOW, { allNamespaces: false, wide: false }),
  );
  assertGolden(
    "list-analysisruns-all-wide.txt",
    renderAnalysisRunList(runs, NOW, { allNamespaces: true, wide: true }),
  );
});

test("metrics summary: the controller's runSummary, else counted from spec and results without dry-run metrics", () => {
  assert.equal(summaryText(failedRun()), "1/2 successful, 1 failed");
  assert.equal(summaryText(runningRun()), "0/1 successful", "the dry-run metric does not count");
  const fresh = runningRun();
  delete fresh.status;
  if (fresh.spec) delete fresh.spec.dryRun;
  assert.equal(summaryText(fresh), "0/2 successful");
});
