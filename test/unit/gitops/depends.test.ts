// dependsOn: ready only when every named Application is Synced and Healthy; cycles are named.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { cycleThrough, dependencyState } from "../../../src/gitops/depends.ts";

const app = (name: string, dependsOn: string[] = [], sync = "Synced", health = "Healthy"): Application => ({
  metadata: { name, namespace: "apps" },
  spec: { dependsOn },
  status: { sync: { status: sync as "Synced" }, health: { status: health } },
});
const lookupOf = (apps: Application[]) => (name: string) => apps.find((a) => a.metadata?.name === name);

test("ready when every dependency is Synced and Healthy; otherwise the ones not ready are named", () => {
  const apps = [app("db"), app("cache", [], "OutOfSync"), app("queue", [], "Synced", "Progressing")];
  assert.deepEqual(dependencyState(app("web"), lookupOf(apps)), { ready: true });
  assert.deepEqual(dependencyState(app("web", ["db"]), lookupOf(apps)), { ready: true });
  assert.deepEqual(dependencyState(app("web", ["db", "cache", "queue", "missing"]), lookupOf(apps)), {
    waiting: ["cache", "queue", "missing"],
  });
});

test("a cycle through the Application is named from it back to it; one elsewhere is not its cycle", () => {
  const apps = [app("a", ["b"]), app("b", ["c"]), app("c", ["a"])];
  assert.deepEqual(cycleThrough(apps[0] as Application, lookupOf(apps)), ["a", "b", "c", "a"]);
  assert.deepEqual(dependencyState(app("a", ["a"]), lookupOf([])), { cycle: ["a", "a"] });
  const elsewhere = [app("x", ["y"]), app("y", ["x"])];
  assert.equal(cycleThrough(app("web", ["x"]), lookupOf(elsewhere)), undefined);
  assert.deepEqual(dependencyState(app("web", ["x"]), lookupOf(elsewhere)), { ready: true });
  // Diamonds are not cycles.
  const diamond = [app("l", ["base"]), app("r", ["base"]), app("base")];
  assert.equal(cycleThrough(app("top", ["l", "r"]), lookupOf(diamond)), undefined);
});
