// `app diff`'s text: unified hunks of live against Git, Secret values never shown.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ObjectDiff, renderAppDiff } from "../../../src/cli/render/app-diff.ts";
import { unifiedDiff } from "../../../src/cli/render/line-diff.ts";
import { assertGolden } from "./golden.ts";

const lines = (n: number, prefix = "l") => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

test("unified hunks: three lines of context, near changes share a hunk, far ones do not", () => {
  const a = lines(20);
  const b = [...a];
  b[1] = "two";
  b[4] = "five";
  b[17] = "eighteen";
  assert.deepEqual(unifiedDiff(a, b), [
    "@@ -1,8 +1,8 @@",
    " l1",
    "-l2",
    "+two",
    " l3",
    " l4",
    "-l5",
    "+five",
    " l6",
    " l7",
    " l8",
    "@@ -15,6 +15,6 @@",
    " l15",
    " l16",
    " l17",
    "-l18",
    "+eighteen",
    " l19",
    " l20",
  ]);
});

test("unified hunks: additions, removals, empty sides, equal texts", () => {
  assert.deepEqual(unifiedDiff(["a", "b"], ["a", "b"]), []);
  assert.deepEqual(unifiedDiff([], ["x", "y"]), ["@@ -0,0 +1,2 @@", "+x", "+y"]);
  assert.deepEqual(unifiedDiff(["x"], []), ["@@ -1,1 +0,0 @@", "-x"]);
  assert.deepEqual(unifiedDiff(["a", "c"], ["a", "b", "c"]), ["@@ -1,2 +1,3 @@", " a", "+b", " c"]);
  // A moved line is a removal and an addition around what stays.
  assert.deepEqual(unifiedDiff(["a", "b", "c"], ["b", "c", "a"]), [
    "@@ -1,3 +1,3 @@",
    "-a",
    " b",
    " c",
    "+a",
  ]);
});

const secret = (data: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "db", namespace: "shop" },
  data,
});

test("Secrets: a changed value shows as a changed mask on that key only, never the value", () => {
  const diffs: ObjectDiff[] = [
    {
      group: "",
      kind: "Secret",
      namespace: "shop",
      name: "db",
      live: secret({ password: "b2xk", user: "YWRtaW4=" }),
      git: secret({ password: "bmV3", user: "YWRtaW4=" }),
    },
    { group: "", kind: "Secret", namespace: "shop", name: "api", git: secret({ token: "c2VjcmV0" }) },
  ];
  const text = renderAppDiff(diffs, "3f1c2a9");
  for (const value of ["b2xk", "bmV3", "YWRtaW4=", "c2VjcmV0"]) assert.ok(!text.includes(value), value);
  assert.match(text, /^- {2}password: \+{8} \(live\)$/m);
  assert.match(text, /^\+ {2}password: \+{8} \(git\)$/m);
  assert.match(text, /^ {3}user: \+{8}$/m);
});

test("app diff text: a changed field, a new object, one to prune, a Rollout's summary, one that could not be compared", () => {
  const configMap = (value: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "web-config", namespace: "shop", labels: { "sluice.dev/application": "web" } },
    data: { greeting: "hello", value },
  });
  const rollout = (image: string) => ({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      replicas: 3,
      template: { spec: { containers: [{ name: "web", image }] } },
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: "1m" } }] } },
    },
  });
  const diffs: ObjectDiff[] = [
    {
      group: "",
      kind: "ConfigMap",
      namespace: "shop",
      name: "web-config",
      live: configMap("1"),
      git: configMap("2"),
    },
    {
      group: "sluice.dev",
      kind: "Rollout",
      namespace: "shop",
      name: "web",
      live: rollout("web:1.0"),
      git: rollout("web:1.1"),
      note: "starts a canary: 20% → pause 1m → 100%",
    },
    { group: "", kind: "ConfigMap", namespace: "shop", name: "new", git: configMap("n") },
    {
      group: "",
      kind: "ConfigMap",
      namespace: "shop",
      name: "old",
      live: configMap("o"),
      note: "not in Git: a sync with prune deletes it",
    },
    {
      group: "networking.k8s.io",
      kind: "Ingress",
      namespace: "shop",
      name: "web",
      error: "admission webhook denied the request",
    },
  ];
  assertGolden("app-diff.txt", renderAppDiff(diffs, "3f1c2a9"));
  assert.equal(renderAppDiff([], "3f1c2a9"), "");
});
