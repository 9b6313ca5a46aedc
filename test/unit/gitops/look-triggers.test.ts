// Which updates of an Application make the controller look at it again: anything but its status,
// and not the removal of a refresh annotation (the controller's own patch after the look it asked
// for; a webhook push refreshing 50 Applications cost 50 more looks before).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { changedBeyondStatus } from "../../../src/gitops/controller.ts";

const app = (annotations: Record<string, string>, extra: Partial<Application> = {}): Application => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "a", namespace: "ns", generation: 1, annotations },
  spec: { project: "default", source: { repoURL: "file:///r", path: "app" } },
  ...extra,
});

test("a refresh annotation taken off is no reason to look again; put on or changed, it is", () => {
  const refreshed = app({ "argocd.argoproj.io/refresh": "normal", team: "x" });
  assert.equal(changedBeyondStatus(app({ team: "x" }), refreshed), false, "taken off");
  assert.equal(
    changedBeyondStatus(app({ team: "x" }, {}), app({ "sluice.dev/refresh": "1", team: "x" })),
    false,
  );
  assert.equal(changedBeyondStatus(refreshed, app({ team: "x" })), true, "put on");
  assert.equal(
    changedBeyondStatus(app({ "argocd.argoproj.io/refresh": "hard", team: "x" }), refreshed),
    true,
    "a new value",
  );
  assert.equal(
    changedBeyondStatus(app({ team: "y" }), refreshed),
    true,
    "another annotation changed with it",
  );
});

test("status alone is no reason; spec, generation, labels and other annotations are", () => {
  const base = app({});
  assert.equal(changedBeyondStatus({ ...base, status: { sync: { status: "Synced" } } }, base), false);
  assert.equal(changedBeyondStatus(app({ other: "1" }), base), true);
  assert.equal(changedBeyondStatus({ ...base, metadata: { ...base.metadata, generation: 2 } }, base), true);
  assert.equal(
    changedBeyondStatus({ ...base, metadata: { ...base.metadata, labels: { l: "1" } } }, base),
    true,
  );
  assert.equal(changedBeyondStatus(base, undefined), true, "first sight");
});
