// The app commands without a cluster: help, usage errors (exit 2), and the decisions they make —
// when a wait is over, when a sync request is refused, when a 404 means the kind is missing.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { KIND_NOT_INSTALLED, kindMissing } from "../../../src/cli/app/access.ts";
import { waitVerdict } from "../../../src/cli/app/wait.ts";
import { syncPatch } from "../../../src/cli/commands/app-sync.ts";
import { CliError } from "../../../src/cli/errors.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import { outOfSyncDegraded, SHA, syncedHealthy } from "./app-fixtures.ts";
import { runCaptured } from "./capture.ts";

test("--help on the app group and every app command", async () => {
  const group = await runCaptured(["app", "--help"]);
  assert.equal(group.code, 0);
  for (const verb of ["list", "get", "wait", "sync", "refresh", "diff", "history", "rollback"])
    assert.match(group.out, new RegExp(`^  ${verb}\\b`, "m"), verb);
  for (const verb of ["list", "get", "wait", "sync", "refresh", "diff", "history", "rollback"]) {
    const run = await runCaptured(["app", verb, "--help"]);
    assert.equal(run.code, 0, `${verb}: ${run.err}`);
    assert.match(run.out, new RegExp(`^Usage: kubectl sluice app ${verb}`, "m"));
  }
  assert.match(
    (await runCaptured(["app", "diff", "--help"])).out,
    /exit 0: no difference, 1:\s+differences, 2:\s+error/,
  );
});

test("app usage errors exit 2 before any cluster is contacted", async () => {
  const cases: [string[], RegExp][] = [
    [["app", "get"], /missing required argument 'name'/],
    [["app", "rollback", "web"], /missing required argument 'id'/],
    [["app", "list", "-o", "xml"], /Allowed choices are table, wide, json, yaml, name/],
    [["app", "wait", "web", "--timeout", "soon"], /not a duration/],
    [["app", "sync", "web", "--wait", "--timeout", "soon"], /not a duration/],
    [["app", "sync", "web", "--bogus"], /unknown option '--bogus'/],
  ];
  for (const [argv, message] of cases) {
    const run = await runCaptured([...argv, "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert.equal(run.code, 2, `${argv.join(" ")}: ${run.err}`);
    assert.match(run.err, message, argv.join(" "));
  }
});

test("app diff: an unreachable cluster is exit 2, not 1 (1 means differences)", async () => {
  const run = await runCaptured(["app", "diff", "web", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(run.code, 2);
  assert.match(run.err, /kubeconfig \/nonexistent\/kubeconfig does not exist/);
  const get = await runCaptured(["app", "get", "web", "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(get.code, 1, "other commands keep 1 for a failure");
});

const withStatus = (app: Application, status: Partial<NonNullable<Application["status"]>>): Application => ({
  ...app,
  status: { ...app.status, ...status },
});

test("wait: over once Synced and/or Healthy as observed after the last change; a failed sync of the current revision fails it", () => {
  const both = { sync: true, health: true };
  const healthy = syncedHealthy();
  assert.deepEqual(waitVerdict(healthy, both), { done: true });
  const progressing = withStatus(healthy, { health: { status: "Progressing" } });
  assert.equal(waitVerdict(progressing, both), undefined);
  assert.deepEqual(waitVerdict(progressing, { sync: true, health: false }), { done: true });
  assert.equal(waitVerdict(progressing, { sync: false, health: true }), undefined);
  // A sync request pending, or a generation the controller has not looked at: not yet.
  assert.equal(waitVerdict({ ...healthy, operation: { sync: {} } }, both), undefined);
  assert.equal(
    waitVerdict({ ...healthy, metadata: { ...healthy.metadata, generation: 4 } }, both),
    undefined,
  );
  const failed = withStatus(healthy, {
    sync: { status: "OutOfSync", revision: SHA },
    operationState: {
      phase: "Failed",
      message: "Service/broken: invalid port",
      syncResult: { revision: SHA, resources: [] },
    },
  });
  assert.deepEqual(waitVerdict(failed, both), {
    failed: "the sync to 3f1c2a9 failed: Service/broken: invalid port",
  });
  // A failure of an older revision does not end the wait: the controller syncs the new one.
  const older = withStatus(failed, { sync: { status: "OutOfSync", revision: "0".repeat(40) } });
  assert.equal(waitVerdict(older, both), undefined);
});

test("sync: the operation Argo CD writes; refused while another is pending", () => {
  const app = syncedHealthy();
  assert.deepEqual(syncPatch(app, { revision: "v2", prune: true, username: "alice" }), {
    operation: { sync: { revision: "v2", prune: true }, initiatedBy: { username: "alice" } },
  });
  assert.deepEqual(syncPatch(app, { prune: false, username: "kubectl-sluice" }), {
    operation: { sync: { prune: false }, initiatedBy: { username: "kubectl-sluice" } },
  });
  assert.throws(
    () => syncPatch(outOfSyncDegraded(), { prune: false, username: "alice" }),
    (e: unknown) =>
      e instanceof CliError &&
      /another operation is in progress on application "billing" \(requested by bob\)/.test(e.message),
  );
});

test("a 404 naming the Application means it is missing; any other 404 means the kind is not installed", () => {
  const named = new KubeError("NotFound", 'applications.sluice.dev "web" not found', 404, { name: "web" });
  const unnamed = new KubeError("NotFound", "the server could not find the requested resource", 404);
  assert.equal(kindMissing(named, "web"), false);
  assert.equal(kindMissing(unnamed, "web"), true);
  assert.equal(kindMissing(unnamed, undefined), true);
  assert.equal(kindMissing(new KubeError("Conflict", "x", 409), "web"), false);
  assert.match(KIND_NOT_INSTALLED, /Application kind .* is not installed/);
});
