// The mutating commands' command lines, without a cluster: help, and usage errors (exit 2) caught
// before anything is read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runCaptured } from "./capture.ts";

test("--help works on every mutating command", async () => {
  for (const argv of [
    ["promote"],
    ["abort"],
    ["retry"],
    ["retry", "rollout"],
    ["pause"],
    ["restart"],
    ["set"],
    ["set", "image"],
    ["undo"],
  ]) {
    const run = await runCaptured([...argv, "--help"]);
    assert.equal(run.code, 0, `${argv.join(" ")} --help: ${run.err}`);
    assert.match(run.out, /^Usage: kubectl sluice/m, argv.join(" "));
  }
  assert.match((await runCaptured(["promote", "--help"])).out, /--full/);
  assert.match((await runCaptured(["restart", "--help"])).out, /-i, --in <duration>/);
  assert.match((await runCaptured(["undo", "--help"])).out, /--to-revision <n>/);
});

test("misuse of a mutating command exits 2 before any cluster is asked", async () => {
  for (const [argv, message] of [
    [["promote"], /missing required argument 'name'/],
    [["retry", "rollout"], /missing required argument 'names'/],
    [["set", "image", "web"], /missing required argument 'container=image'/],
    [["set", "image", "web", "web:2"], /"web:2" is not CONTAINER=IMAGE/],
    [["undo", "web", "--to-revision", "two"], /--to-revision: "two" is not a revision number/],
    [["restart", "web", "--in", "soon"], /--in/],
  ] as const) {
    // No kubeconfig anywhere: reaching the cluster would be exit 1, not 2.
    const run = await runCaptured([...argv, "--kubeconfig", "/nonexistent"]);
    assert.equal(run.code, 2, `${argv.join(" ")}: ${run.err}`);
    assert.match(run.err, message, argv.join(" "));
  }
});
