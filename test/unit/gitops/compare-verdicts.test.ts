// When a kept drift verdict spares a look the dry run (compare.ts): the Deployment controller's
// revision annotation, added after sluice applied the object, is no reason to ask the server
// again; a change to a label or annotation Git sets or sluice owns is, and so is any change when
// ignore rules (which may select on any field) are in play.
import assert from "node:assert/strict";
import { test } from "node:test";
import { place } from "../../../src/gitops/apply/placement.ts";
import { Comparer } from "../../../src/gitops/compare.ts";
import type { IgnoreRule } from "../../../src/gitops/diff/index.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import type { ResourceType } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { DEPLOYMENT_CONTROLLER, desiredDeployment, edited, entry, GITOPS_FIELDS } from "./diff-fixtures.ts";

const DEPLOYMENTS: ResourceType = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
};

const placed = (() => {
  const p = place(desiredDeployment(), true, { name: "demo", destinationNamespace: "team" });
  if ("refused" in p) throw new Error(p.refused);
  return p;
})();

/** sluice-gitops's fields, the tracking label and annotation and one more annotation included. */
const OWN_FIELDS = {
  ...GITOPS_FIELDS,
  "f:metadata": {
    "f:labels": { "f:app": {}, "f:sluice.dev/application": {} },
    "f:annotations": { "f:sluice.dev/tracking-id": {}, "f:team.example/owner": {} },
  },
};

/** The server's answer to the apply: the body with bookkeeping, sluice-gitops owning its fields. */
const applied = {
  ...placed.object,
  metadata: {
    ...placed.object.metadata,
    annotations: { ...placed.object.metadata?.annotations, "team.example/owner": "a" },
    uid: "0d3c2f1e-1111-2222-3333-444455556666",
    resourceVersion: "10",
    generation: 1,
    managedFields: [entry("sluice-gitops", OWN_FIELDS)],
  },
} as KubeObject;

/** Live once the Deployment controller has been: its revision annotation (a status write) and status. */
const afterController = edited(applied, {
  "/metadata/resourceVersion": "12",
  "/metadata/annotations/deployment.kubernetes.io~1revision": "1",
  "/metadata/managedFields/-": DEPLOYMENT_CONTROLLER,
  "/status": { replicas: 1 },
});

function countingComparer() {
  let dryRuns = 0;
  const client = {
    apply: async (_t: ResourceType, _body: KubeObject, _m: string, o: { dryRun?: boolean } = {}) => {
      if (o.dryRun) dryRuns++;
      return afterController;
    },
  } as unknown as KubeClient;
  return { comparer: new Comparer(client), dryRuns: () => dryRuns };
}

const inputs = (live: KubeObject, rules: IgnoreRule[] = []) => ({
  placed,
  type: DEPLOYMENTS,
  live,
  rules,
  respectIgnoreDifferences: false,
});

test("an annotation only another writer holds (the Deployment's revision) keeps the verdict settled by the apply", async () => {
  const { comparer, dryRuns } = countingComparer();
  const body = (await comparer.compare("app|web", inputs(applied))).body;
  const before = dryRuns();
  comparer.settle("app|web", body, applied, []);
  const state = await comparer.compare("app|web", inputs(afterController));
  assert.equal(state.status, "Synced");
  assert.equal(dryRuns(), before, "no dry run");
  // A label a person adds (not Git's, not sluice's) is no reason either.
  const labelled = edited(afterController, { "/metadata/labels/team": "payments" });
  assert.equal((await comparer.compare("app|web", inputs(labelled))).status, "Synced");
  assert.equal(dryRuns(), before, "no dry run for a foreign label");
});

test("a label or annotation Git sets or sluice owns, changed, is asked about again; so is any change under ignore rules", async () => {
  const { comparer, dryRuns } = countingComparer();
  const body = (await comparer.compare("app|web", inputs(applied))).body;
  const changes: [string, KubeObject, IgnoreRule[]][] = [
    ["Git's label", edited(afterController, { "/metadata/labels/app": "other" }), []],
    [
      "sluice's annotation",
      edited(afterController, { "/metadata/annotations/team.example~1owner": "b" }),
      [],
    ],
    [
      "a foreign annotation with ignore rules",
      edited(afterController, { "/metadata/annotations/other": "x" }),
      [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    ],
  ];
  for (const [what, live, rules] of changes) {
    comparer.settle("app|web", body, applied, rules);
    const before = dryRuns();
    await comparer.compare("app|web", inputs(live, rules));
    assert.equal(dryRuns(), before + 1, what);
  }
});
