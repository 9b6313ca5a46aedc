// The analysis commands' command line without a cluster: help, aliases, usage errors (exit 2), and
// when terminate refuses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { terminateRefusal } from "../../../src/cli/commands/terminate.ts";
import { errorRun, failedRun, runningRun, successfulRun } from "./analysis-fixtures.ts";
import { runCaptured } from "./capture.ts";

test("--help on the analysis commands and their aliases", async () => {
  for (const argv of [
    ["get", "analysisrun"],
    ["get", "ar"],
    ["list", "analysisruns"],
    ["list", "ars"],
    ["terminate"],
    ["terminate", "analysisrun"],
  ]) {
    const run = await runCaptured([...argv, "--help"]);
    assert.equal(run.code, 0, `${argv.join(" ")} --help: ${run.err}`);
    assert.match(run.out, /^Usage: kubectl sluice/m, argv.join(" "));
  }
  const root = await runCaptured(["--help"]);
  assert.match(root.out, /^ {2}terminate /m, "terminate is a top-level command");
  const get = await runCaptured(["get", "--help"]);
  assert.match(get.out, /^ {2}analysisrun\|analysisruns /m);
});

test("usage errors exit 2 before any cluster is contacted", async () => {
  const cases: [string[], RegExp][] = [
    [["get", "analysisrun"], /missing required argument 'name'/],
    [["get", "ar", "run", "-w", "-o", "yaml"], /--watch works with -o table or wide/],
    [["get", "ar", "run", "-o", "xml"], /Allowed choices are table, wide, json, yaml, name/],
    [["get", "ar", "run", "-w", "--timeout", "soon"], /not a duration/],
    [["list", "ars", "--bogus"], /unknown option '--bogus'/],
    [["terminate", "analysisrun"], /missing required argument 'name'/],
    [["terminate", "rollout", "web"], /unknown command 'rollout'/],
  ];
  for (const [argv, message] of cases) {
    const run = await runCaptured([...argv, "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert.equal(run.code, 2, `${argv.join(" ")}: ${run.err}`);
    assert.match(run.err, message, argv.join(" "));
  }
});

test("terminate refuses a completed run, and one already asked to end; a measuring run is fine", () => {
  assert.equal(terminateRefusal(runningRun()), undefined);
  const pending = runningRun();
  delete pending.status;
  assert.equal(terminateRefusal(pending), undefined, "not reconciled yet: it can still be ended");
  assert.equal(
    terminateRefusal(successfulRun()),
    'analysisrun "checkout-7c4b8d9f6-2-3" has already completed (Successful): nothing to terminate',
  );
  assert.match(terminateRefusal(failedRun()) ?? "", /already completed \(Failed\)/);
  assert.match(terminateRefusal(errorRun()) ?? "", /already completed \(Error\)/);
  const asked = runningRun();
  if (asked.spec) asked.spec.terminate = true;
  assert.equal(terminateRefusal(asked), 'analysisrun "smoke-test" is already being terminated');
});
