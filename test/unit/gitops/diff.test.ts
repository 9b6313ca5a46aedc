// The diff core: drift between the server's dry-run prediction and live, the apply body, Secret
// redaction — all on deep-frozen inputs, so any write to an input fails the test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyBody, compare, REDACTED, redact } from "../../../src/gitops/diff/index.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import {
  DEPLOYMENT_CONTROLLER,
  desiredDeployment,
  edited,
  entry,
  frozen,
  GITOPS_FIELDS,
  HPA_SCALE,
  has,
  read,
  serverDeployment,
} from "./diff-fixtures.ts";

const IMAGE = "/spec/template/spec/containers/0/image";
const LAST_APPLIED = "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

test("server bookkeeping, status and last-applied are not drift", () => {
  const live = edited(serverDeployment(), {
    "/metadata/resourceVersion": "9999",
    "/metadata/generation": 7,
    "/metadata/selfLink": "/apis/apps/v1/namespaces/team/deployments/web",
    "/metadata/deletionGracePeriodSeconds": 30,
    [LAST_APPLIED]: "{}",
    "/metadata/managedFields": [],
    "/status": { replicas: 1, conditions: [{ type: "Available", status: "False" }] },
  });
  const predicted = edited(serverDeployment(), {
    "/metadata/uid": "another",
    "/metadata/creationTimestamp": "2030-01-01T00:00:00Z",
  });
  assert.deepEqual(compare(frozen(predicted), frozen(live), []), { drifted: false, paths: [] });
});

test("empty labels or annotations equal absent ones", () => {
  const predicted = edited(serverDeployment(), { "/metadata/annotations": {}, "/metadata/labels": {} });
  const live = edited(serverDeployment(), {
    "/metadata/annotations": undefined,
    "/metadata/labels": undefined,
  });
  assert.equal(compare(frozen(predicted), frozen(live), []).drifted, false);
  const onlyLastApplied = edited(live, { "/metadata/annotations": {}, [LAST_APPLIED]: "{}" });
  assert.equal(compare(frozen(predicted), frozen(onlyLastApplied), []).drifted, false);
});

test("a changed image is drift at the container's image pointer", () => {
  const result = compare(frozen(serverDeployment("nginx:1.28")), frozen(serverDeployment("nginx:1.27")), []);
  assert.deepEqual(result, { drifted: true, paths: [IMAGE] });
});

test("added, removed and changed fields each give their own sorted pointer; a missing subtree is one path", () => {
  const predicted = edited(serverDeployment(), {
    "/spec/template/spec/containers/0/env": [{ name: "A", value: "1" }],
    "/spec/strategy": { type: "Recreate" },
    "/metadata/labels/a~1b~0c": "x",
  });
  const live = edited(serverDeployment(), {
    "/spec/paused": true,
    "/spec/template/spec/containers/0/ports/-": { containerPort: 443 },
    "/spec/replicas": 4,
  });
  assert.deepEqual(compare(frozen(predicted), frozen(live), []).paths, [
    "/metadata/labels/a~1b~0c",
    "/spec/paused",
    "/spec/replicas",
    "/spec/strategy",
    "/spec/template/spec/containers/0/env",
    "/spec/template/spec/containers/0/ports/1",
  ]);
});

test("a value changing type is one path; arrays are compared index by index", () => {
  const predicted = edited(serverDeployment(), {
    "/spec/template/spec/containers/0/args": ["a", "b", "c"],
    "/spec/minReadySeconds": "10",
  });
  const live = edited(serverDeployment(), {
    "/spec/template/spec/containers/0/args": ["a", "x"],
    "/spec/minReadySeconds": 10,
  });
  assert.deepEqual(compare(frozen(predicted), frozen(live), []).paths, [
    "/spec/minReadySeconds",
    "/spec/template/spec/containers/0/args/1",
    "/spec/template/spec/containers/0/args/2",
  ]);
});

test("labels and fields another manager added are in the prediction too, so they are not drift", () => {
  // DESIGN §8 point 1: the dry run keeps other managers' fields (pod-template-hash, labels, paused).
  const extras = {
    "/metadata/labels/team.example.com~1owner": "payments",
    "/spec/paused": true,
    "/spec/template/metadata/labels/pod-template-hash": "5d4f8c",
  };
  const live = edited(serverDeployment(), {
    ...extras,
    "/metadata/managedFields/-": entry("labeller", {
      "f:metadata": { "f:labels": { "f:team.example.com/owner": {} } },
    }),
  });
  const predicted = edited(serverDeployment(), extras);
  assert.equal(compare(frozen(predicted), frozen(live), []).drifted, false);
});

test("a Secret's stringData in the prediction is compared as base64 data, stringData winning per key", () => {
  const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  const live = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "team" },
    type: "Opaque",
    data: { user: base64("admin"), password: base64("pässword") },
  };
  const predicted = edited(live, {
    "/data": { user: base64("old") },
    "/stringData": { user: "admin", password: "pässword" },
  });
  assert.deepEqual(compare(frozen(predicted), frozen(live), []), { drifted: false, paths: [] });
  const changed = edited(live, { "/stringData": { password: "new" } });
  assert.deepEqual(compare(frozen(changed), frozen(live), []).paths, ["/data/password"]);
  const onlyStringData = edited(live, {
    "/data": undefined,
    "/stringData": { user: "admin", password: "pässword" },
  });
  assert.equal(compare(frozen(onlyStringData), frozen(live), []).drifted, false);
  const configMap = edited(live, { "/kind": "ConfigMap" });
  const configMapWithStringData = edited(configMap, { "/stringData": { a: "b" } });
  assert.deepEqual(compare(frozen(configMapWithStringData), frozen(configMap), []).paths, ["/stringData"]);
});

test("replicas an HPA writes through /scale are dropped from the apply body", () => {
  const live = serverDeployment("nginx:1.27", 7, [entry("sluice-gitops", GITOPS_FIELDS), HPA_SCALE]);
  const body = applyBody(
    frozen(desiredDeployment("nginx:1.28", 3)),
    frozen(live),
    "sluice-gitops",
    [],
    false,
  );
  assert.equal(has(body, "/spec/replicas"), false);
  assert.equal(read(body, IMAGE), "nginx:1.28");
  assert.deepEqual(body, edited(desiredDeployment("nginx:1.28"), { "/spec/replicas": undefined }));
});

test("replicas stay in the apply body unless another manager owns them through the scale subresource", () => {
  const desired = frozen(desiredDeployment());
  const replicasOnly = { "f:spec": { "f:replicas": {} } };
  const cases: [string, unknown[] | undefined][] = [
    ["no live object", undefined],
    ["only our own fields", [entry("sluice-gitops", GITOPS_FIELDS)]],
    ["our own manager via scale", [entry("sluice-gitops", replicasOnly, { subresource: "scale" })]],
    ["another manager, not via scale", [entry("kubectl-edit", replicasOnly)]],
    ["another manager via status", [DEPLOYMENT_CONTROLLER]],
    ["a scale entry owning nothing", [entry("kube-controller-manager", {}, { subresource: "scale" })]],
  ];
  for (const [name, managedFields] of cases) {
    const live =
      managedFields === undefined ? undefined : frozen(serverDeployment("nginx:1.27", 3, managedFields));
    assert.deepEqual(applyBody(desired, live, "sluice-gitops", [], false), desiredDeployment(), name);
  }
});

test("fields a deferred-to controller owns now are dropped from the body; others' are not", () => {
  // The Rollout controller adds the pod-template-hash to a Service's selector, an atomic map: it
  // then owns the whole selector, and Git must not force {app: web} back over it.
  const service = (selector: Record<string, string>, managedFields?: unknown[]) =>
    ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-stable", namespace: "team", ...(managedFields ? { managedFields } : {}) },
      spec: { selector, ports: [{ port: 80 }] },
    }) as KubeObject;
  const desired = frozen(service({ app: "web" }));
  const rolloutOwnsSelector = entry("sluice-rollout", { "f:spec": { "f:selector": {} } });
  const live = frozen(
    service({ app: "web", "rollouts-pod-template-hash": "abc" }, [
      entry("sluice-gitops", { "f:spec": { "f:ports": {} } }),
      rolloutOwnsSelector,
    ]),
  );
  const deferred = applyBody(desired, live, "sluice-gitops", [], false, ["sluice-rollout"]);
  assert.equal(has(deferred, "/spec/selector"), false);
  assert.deepEqual(read(deferred, "/spec/ports"), [{ port: 80 }]);
  assert.deepEqual(applyBody(desired, live, "sluice-gitops", [], false), desired, "not deferred: kept");
  assert.deepEqual(
    applyBody(desired, live, "sluice-gitops", [], false, ["someone-else"]),
    desired,
    "only the named managers are deferred to",
  );
});

test("a desired object without replicas is unchanged by an HPA's scale entry", () => {
  const desired = frozen(edited(desiredDeployment(), { "/spec/replicas": undefined }));
  const live = frozen(serverDeployment("nginx:1.27", 5, [HPA_SCALE]));
  assert.deepEqual(applyBody(desired, live, "sluice-gitops", [], false), desired);
});

test("the apply body is a copy: changing it leaves desired untouched", () => {
  const desired = frozen(desiredDeployment());
  const body = applyBody(desired, undefined, "sluice-gitops", [], true);
  assert.notEqual(body, desired);
  const changed = edited(body, { [IMAGE]: "changed" });
  assert.equal(read(changed, IMAGE), "changed");
  assert.equal(read(desired, IMAGE), "nginx:1.27");
});

test("HPA-scaled StatefulSets and Rollouts lose replicas from the body the same way", () => {
  for (const [apiVersion, kind] of [
    ["apps/v1", "StatefulSet"],
    ["argoproj.io/v1alpha1", "Rollout"],
  ]) {
    const desired = edited(desiredDeployment(), { "/apiVersion": apiVersion, "/kind": kind });
    const live = edited(serverDeployment("nginx:1.27", 9, [HPA_SCALE]), {
      "/apiVersion": apiVersion,
      "/kind": kind,
    });
    const body = applyBody(frozen(desired), frozen(live), "sluice-gitops", [], false);
    assert.equal(has(body, "/spec/replicas"), false, kind);
    assert.equal(body.kind, kind);
  }
});

const secret = () => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "db",
    namespace: "team",
    annotations: {
      "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"password":"hunter2"}}',
    },
  },
  data: { user: "YWRtaW4=" },
  stringData: { password: "hunter2" },
});

test("redact masks every data and stringData value and the last-applied copy, on a copy", () => {
  const input = frozen(secret());
  const masked = redact(input);
  assert.deepEqual(read(masked, "/data"), { user: REDACTED });
  assert.deepEqual(read(masked, "/stringData"), { password: REDACTED });
  assert.equal(read(masked, LAST_APPLIED), REDACTED);
  assert.equal(REDACTED, "++++++++");
  assert.equal(masked.metadata?.name, "db");
  assert.deepEqual(input, secret());
  assert.doesNotMatch(JSON.stringify(masked), /hunter2|YWRtaW4/);
});

test("redact leaves Secrets without values and other kinds as they are", () => {
  const bare = frozen({ apiVersion: "v1", kind: "Secret", metadata: { name: "empty" } });
  assert.deepEqual(redact(bare), bare);
  const configMap = frozen({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    data: { a: "b" },
  });
  assert.equal(redact(configMap), configMap);
  const notCoreSecret = frozen({ ...secret(), apiVersion: "example.com/v1" });
  assert.equal(redact(notCoreSecret), notCoreSecret);
});
