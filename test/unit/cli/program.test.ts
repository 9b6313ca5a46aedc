// The command line itself, without a cluster: help, version, and usage errors exiting 2.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runCaptured } from "./capture.ts";

const version = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

test("--help works on every command and exits 0, with kubectl's prefix in the usage", async () => {
  for (const argv of [
    [],
    ["get"],
    ["get", "rollout"],
    ["list", "rollouts"],
    ["status"],
    ["lint"],
    ["version"],
  ]) {
    const run = await runCaptured([...argv, "--help"]);
    assert.equal(run.code, 0, `${argv.join(" ")} --help: ${run.err}`);
    assert.match(run.out, /^Usage: kubectl sluice/m, argv.join(" "));
  }
  const root = await runCaptured(["--help"]);
  for (const flag of ["--namespace", "--context", "--kubeconfig", "--no-color"])
    assert.match(root.out, new RegExp(flag));
  const list = await runCaptured(["list", "rollouts", "--help"]);
  assert.match(list.out, /-A, --all-namespaces/);
  assert.match(list.out, /-o, --output <format>/);
});

test("version prints the package version; -o json parses", async () => {
  const plain = await runCaptured(["version"]);
  assert.equal(plain.code, 0);
  assert.equal(plain.out, `kubectl-sluice: v${version}\n`);
  const json = await runCaptured(["version", "-o", "json"]);
  assert.equal(
    (JSON.parse(json.out) as { clientVersion: { version: string } }).clientVersion.version,
    version,
  );
  assert.equal((await runCaptured(["--version"])).out.trim(), version);
});

test("usage errors exit 2 with a message on stderr, before any cluster is contacted", async () => {
  const cases: [string[], RegExp][] = [
    [["nope"], /unknown command 'nope'/],
    [["get"], /Usage: kubectl sluice get/],
    [["get", "rollout"], /missing required argument 'name'/],
    [["get", "rollout", "web", "--bogus"], /unknown option '--bogus'/],
    [["get", "rollout", "web", "-o", "xml"], /Allowed choices are table, wide, json, yaml, name/],
    [["get", "rollout", "web", "-w", "-o", "json"], /--watch works with -o table or wide/],
    [["status", "web", "--timeout", "soon"], /not a duration/],
    [["list", "rollouts", "--request-timeout", "x"], /not a duration/],
    [["lint"], /required option '-f, --filename <file>'/],
  ];
  for (const [argv, message] of cases) {
    const run = await runCaptured([...argv, "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert.equal(run.code, 2, `${argv.join(" ")}: ${run.err}`);
    assert.match(run.err, message, argv.join(" "));
    assert.equal(run.out, "", argv.join(" "));
  }
});

test("a kubeconfig or context that does not exist is an error (exit 1) naming it", async () => {
  const missing = await runCaptured(["list", "rollouts", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^Error: kubeconfig \/nonexistent\/kubeconfig does not exist$/m);
});
