// The analysis commands' command line without a cluster: help, aliases, usage errors (exit 2), and
// when terminate refuses, and how it patches (the resourceVersion read, a re-read on a conflict).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { terminateRefusal, terminateRun } from "../../../src/cli/commands/terminate.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeError } from "../../../src/kube/errors.ts";
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

/** A client whose reads return the runs in turn and whose patches fail with the given errors first. */
function fakeClient(reads: AnalysisRun[], patchErrors: Error[]) {
  const seen = {
    reads: 0,
    patches: [] as { patch: unknown; fieldManager: string; resourceVersion?: string }[],
  };
  const client = {
    get: async () => {
      const run = reads[Math.min(seen.reads, reads.length - 1)];
      seen.reads++;
      return run;
    },
    mergePatch: async (
      _type: unknown,
      _ref: unknown,
      patch: unknown,
      fieldManager: string,
      options: { resourceVersion?: string },
    ) => {
      seen.patches.push({ patch, fieldManager, ...options });
      const error = patchErrors.shift();
      if (error) throw error;
      return reads.at(-1);
    },
  } as unknown as KubeClient;
  return { client, seen };
}

const withVersion = (run: AnalysisRun, resourceVersion: string): AnalysisRun => ({
  ...run,
  metadata: { ...run.metadata, resourceVersion },
});

test("terminate patches spec.terminate with the resourceVersion read, and re-reads on a conflict", async () => {
  const conflict = new KubeError("Conflict", "the object has been modified", 409);
  const { client, seen } = fakeClient(
    [withVersion(runningRun(), "10"), withVersion(runningRun(), "11")],
    [conflict],
  );
  await terminateRun(client, "shop", "smoke-test");
  assert.deepEqual(seen.patches, [
    { patch: { spec: { terminate: true } }, fieldManager: "kubectl-sluice", resourceVersion: "10" },
    { patch: { spec: { terminate: true } }, fieldManager: "kubectl-sluice", resourceVersion: "11" },
  ]);
});

test("terminate: a run that completed between the conflict and the re-read is refused, not patched", async () => {
  const conflict = new KubeError("Conflict", "the object has been modified", 409);
  const { client, seen } = fakeClient([withVersion(runningRun(), "10"), successfulRun()], [conflict]);
  await assert.rejects(terminateRun(client, "shop", "smoke-test"), /has already completed \(Successful\)/);
  assert.equal(seen.patches.length, 1);
});

test("terminate gives up after a few conflicts in a row, and passes other errors on at once", async () => {
  const conflict = () => new KubeError("Conflict", "the object has been modified", 409);
  const busy = fakeClient([runningRun()], Array.from({ length: 9 }, conflict));
  await assert.rejects(terminateRun(busy.client, "shop", "smoke-test"), /has been modified/);
  assert.equal(busy.seen.patches.length, 5);
  const forbidden = fakeClient([runningRun()], [new KubeError("Forbidden", "cannot patch", 403)]);
  await assert.rejects(terminateRun(forbidden.client, "shop", "smoke-test"), /cannot patch/);
  assert.equal(forbidden.seen.patches.length, 1);
});
