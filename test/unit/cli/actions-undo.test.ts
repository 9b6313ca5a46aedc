// undo: which revision, the template restored exactly (so the controller goes back to the old
// ReplicaSet instead of making a new one), the peer's messages, and a merge patch that removes
// what the old template did not have.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { mergePatchBetween, templateOf, withoutServerDefaults } from "../../../src/cli/actions/template.ts";
import { decideUndo } from "../../../src/cli/actions/undo.ts";
import { podTemplateHash } from "../../../src/rollout/hash.ts";
import { hashOf } from "../../../src/rollout/world.ts";
import { applyMergePatch, replicaSetFor, rollout, template, withDefaults } from "./actions-fixtures.ts";

/** The Rollout as it was when its template was `image` (the stable one is stable1). */
const at = (image: string, extra: Record<string, unknown> = {}, status: Rollout["status"] = {}) =>
  rollout(status, { template: template(image, extra) });

/** Three revisions: web:1, web:2, web:3; the Rollout now on web:3. */
const history = () => [
  replicaSetFor(at("web:1"), 1),
  replicaSetFor(at("web:2"), 2),
  replicaSetFor(at("web:3"), 3),
];

/** The Rollout's template once the decision's patch is applied. */
function undone(r: Rollout, decision: ReturnType<typeof decideUndo>) {
  assert.equal(decision.kind, "patch", decision.message);
  const spec = applyMergePatch(r.spec, decision.kind === "patch" ? decision.spec : {}) as Rollout["spec"];
  return spec?.template ?? {};
}

test("undo goes back to the previous revision, exactly the template it was made from", () => {
  const now = at("web:3");
  const decision = decideUndo(now, history());
  assert.equal(decision.message, "rollout 'web' undo");
  assert.deepEqual(decision.kind === "patch" && decision.spec, {
    template: { spec: { containers: [{ name: "web", image: "web:2" }] } },
  });
  const back = undone(now, decision);
  assert.deepEqual(back, template("web:2"));
  assert.equal(
    podTemplateHash(back),
    hashOf(replicaSetFor(at("web:2"), 2)),
    "the hash of the existing ReplicaSet",
  );
});

test("undo --to-revision N; the current revision is skipped with the peer's message; a missing one refused", () => {
  const now = at("web:3");
  assert.deepEqual(undone(now, decideUndo(now, history(), 1)), template("web:1"));
  assert.deepEqual(decideUndo(now, history(), 3), {
    kind: "noop",
    message: "skipped rollback (current template already matches revision 3)",
  });
  assert.deepEqual(decideUndo(now, history(), 9), {
    kind: "refuse",
    message: "unable to find specified revision 9 in history",
  });
});

test("undo twice toggles, as the peer's renumbering makes it: the previous is the newest other revision", () => {
  // Back on web:2 (revision 2 reused, its number unchanged): the previous one is web:3.
  const now = at("web:2");
  assert.deepEqual(undone(now, decideUndo(now, history())), template("web:3"));
});

test("undo with no other revision, or only ReplicaSets another Rollout controls, is refused", () => {
  const now = at("web:3");
  const refusal = {
    kind: "refuse",
    message: 'no revision found for rollout "web" other than the current one',
  };
  assert.deepEqual(decideUndo(now, [replicaSetFor(now, 1)]), refusal);
  assert.deepEqual(
    decideUndo(now, [replicaSetFor(at("web:1"), 1, "other-uid"), replicaSetFor(now, 2)]),
    refusal,
  );
  assert.deepEqual(decideUndo(now, []), refusal);
});

test("undo drops the role's ephemeral labels and annotations the controller put on the ReplicaSet", () => {
  const canaryMetadata = { labels: { role: "canary" }, annotations: { "shop/role": "canary" } };
  const withRoles = (image: string) => {
    const r = at(image, {}, { stableRS: "other" });
    r.spec = { ...r.spec, strategy: { canary: { canaryMetadata, steps: [{ pause: {} }] } } };
    return r;
  };
  const old = replicaSetFor(withRoles("web:1"), 1);
  assert.equal(old.spec?.template?.metadata?.labels?.role, "canary", "the fixture carries the role's label");
  const now = withRoles("web:2");
  assert.deepEqual(undone(now, decideUndo(now, [old, replicaSetFor(now, 2)])), template("web:1"));
});

test("undo removes fields the old template did not have (null in the merge patch)", () => {
  const now = at("web:3", { nodeSelector: { zone: "a" } });
  const decision = decideUndo(now, [...history().slice(0, 2), replicaSetFor(now, 3)]);
  assert.equal(
    decision.kind === "patch" &&
      (decision.spec?.template as { spec: Record<string, unknown> } | undefined)?.spec.nodeSelector,
    null,
  );
  assert.deepEqual(undone(now, decision), template("web:2"));
});

test("a template whose defaults cannot be told apart is restored as the ReplicaSet has it (the peer's way)", () => {
  // The user wrote a default value themselves: stripping the defaults no longer gives the hash.
  const explicit = at("web:1", { dnsPolicy: "ClusterFirst" });
  const rs = replicaSetFor(explicit, 1);
  const restored = templateOf(rs);
  assert.equal(restored.exact, false);
  assert.deepEqual(restored.template, {
    ...withDefaults(template("web:1", { dnsPolicy: "ClusterFirst" })),
    metadata: { labels: { app: "web" } },
  });
  const now = at("web:2");
  const back = undone(now, decideUndo(now, [rs, replicaSetFor(now, 2)]));
  assert.equal((back.spec?.containers as { image: string }[] | undefined)?.[0]?.image, "web:1");
});

test("server defaults: removed only where they hold the default value; the pull policy follows the tag", () => {
  const stripped = withoutServerDefaults({
    spec: {
      restartPolicy: "OnFailure",
      dnsPolicy: "ClusterFirst",
      containers: [
        { name: "a", image: "a", imagePullPolicy: "Always", ports: [{ containerPort: 1, protocol: "TCP" }] },
        { name: "b", image: "b:latest", imagePullPolicy: "IfNotPresent" },
        {
          name: "c",
          image: "reg:5000/c:1",
          imagePullPolicy: "IfNotPresent",
          resources: { limits: { cpu: "1" } },
        },
        {
          name: "d",
          image: "d@sha256:0",
          imagePullPolicy: "IfNotPresent",
          readinessProbe: { httpGet: { path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 5 },
        },
      ],
      volumes: [{ name: "v", configMap: { name: "cm", defaultMode: 420 } }],
    },
  });
  assert.deepEqual(stripped, {
    spec: {
      restartPolicy: "OnFailure",
      containers: [
        { name: "a", image: "a", ports: [{ containerPort: 1 }] },
        { name: "b", image: "b:latest", imagePullPolicy: "IfNotPresent" },
        { name: "c", image: "reg:5000/c:1", resources: { limits: { cpu: "1" } } },
        { name: "d", image: "d@sha256:0", readinessProbe: { httpGet: { path: "/" }, periodSeconds: 5 } },
      ],
      volumes: [{ name: "v", configMap: { name: "cm" } }],
    },
  });
});

test("mergePatchBetween: changed keys set, missing keys null, equal ones left out, lists whole", () => {
  assert.deepEqual(
    mergePatchBetween(
      { a: 1, b: { c: 2, d: 3 }, e: [1, 2], f: { g: 1 } },
      { a: 2, b: { c: 2 }, e: [1], f: { g: 1 } },
    ),
    { a: 2, b: { d: null }, e: [1] },
  );
  const from = { spec: { x: [{ k: 1 }], y: { z: "1" } } };
  const to = { spec: { y: { z: "2" }, w: true } };
  assert.deepEqual(applyMergePatch(from, mergePatchBetween(from, to)), to);
});

test("undo on a Rollout whose template is in a workloadRef is refused", () => {
  const ref = rollout({}, { workloadRef: { kind: "Deployment", name: "web-deploy" } });
  assert.equal(decideUndo(ref, history()).kind, "refuse");
});
