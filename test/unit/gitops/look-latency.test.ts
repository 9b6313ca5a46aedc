// Round trips one look waits for in a row (the `apps` bench's cold start, issue 16): the objects
// not yet in the informers are read at once, not one after another, and the SyncStarted Event is
// written while the sync's dry runs go — same requests, same results, fewer waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { place } from "../../../src/gitops/apply/placement.ts";
import type { Comparer, ObjectState } from "../../../src/gitops/compare.ts";
import type { Look, Observed } from "../../../src/gitops/look.ts";
import { compareAll, type ObjectsContext, type Typed } from "../../../src/gitops/objects.ts";
import { syncNow } from "../../../src/gitops/sync-run.ts";
import type { ResourceType } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const CMS: ResourceType = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

const typed = (name: string): Typed => {
  const placed = place({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }, true, {
    name: "demo",
    destinationNamespace: "team",
  });
  if ("refused" in placed) throw new Error(placed.refused);
  return { placed, type: CMS };
};

const missing = (t: Typed): ObjectState => ({
  ...t,
  live: undefined,
  body: t.placed.object,
  status: "OutOfSync",
  drift: [],
  message: "missing",
});

test("objects not in the informers are read at once, and come back in the order given", async () => {
  let inFlight = 0;
  let most = 0;
  const ctx = {
    key: "team/demo",
    live: {
      liveOf: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return undefined;
      },
    },
    comparer: {
      compare: async (_key: string, i: { placed: Typed["placed"]; type: ResourceType }) => missing(i),
    },
  } as unknown as ObjectsContext;
  const objects = ["a", "b", "c"].map(typed);
  const states = await compareAll(ctx, objects, [], false);
  assert.deepEqual(
    states.map((s) => s.placed.object.metadata?.name),
    ["a", "b", "c"],
  );
  assert.equal(most, 3, "three reads in flight at once");
});

test("the SyncStarted Event is written while the dry runs go, and before the Event that ends the sync", async () => {
  const calls: string[] = [];
  let dryRunSeen: () => void = () => undefined;
  const dryRun = new Promise<void>((resolve) => {
    dryRunSeen = resolve;
  });
  const client = {
    apply: async (_t: ResourceType, body: KubeObject, _m: string, o: { dryRun?: boolean } = {}) => {
      calls.push(`${o.dryRun ? "dry-run" : "apply"} ${body.metadata?.name}`);
      if (o.dryRun) dryRunSeen();
      return body;
    },
  };
  const events = {
    record: async (_o: KubeObject, _type: string, reason: string) => {
      calls.push(`event ${reason} asked`);
      // A slow Event write: the sync must not wait for it before its dry runs (1 s: it did).
      if (reason === "SyncStarted")
        await Promise.race([dryRun, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      calls.push(`event ${reason} written`);
    },
  };
  const app = {
    metadata: { name: "demo", namespace: "team" },
    spec: { syncPolicy: { automated: {} } },
  } as unknown as Application;
  const look = {
    shell: {
      kernel: { client, clock: { now: () => 0 } },
      events,
      heals: new Map(),
      metrics: { synced: () => undefined },
      comparer: { settle: () => undefined } as unknown as Comparer,
    },
    app,
    key: "team/demo",
    nowMs: 0,
    now: new Date(0).toISOString(),
  } as unknown as Look;
  const seen = {
    sha: "0123456789abcdef",
    states: ["a", "b"].map((n) => missing(typed(n))),
    leftovers: [],
    hooks: [],
    held: new Set<string>(),
  } as unknown as Observed;
  const synced = await syncNow(look, { action: "sync", prune: false, selfHeal: false }, seen);
  assert.equal(synced.outcome.ok, true);
  const at = (call: string) => calls.indexOf(call);
  assert.equal(at("event SyncStarted asked"), 0);
  assert.ok(at("dry-run b") < at("event SyncStarted written"), calls.join(", "));
  assert.ok(at("event SyncStarted written") < at("event SyncSucceeded asked"), calls.join(", "));
  assert.deepEqual(
    calls.filter((c) => c.startsWith("apply")),
    ["apply a", "apply b"],
  );
});
