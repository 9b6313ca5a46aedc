// Placement of rendered objects: the destination namespace filled in, other namespaces and
// cluster-scoped kinds refused (Namespaces and CRDs allowed), tracking label and annotation on
// every object, and the apply order (Namespaces and CRDs, sync waves, kinds, names).
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateApplication } from "../../../src/api/application-validation.ts";
import {
  applyOrder,
  type Placed,
  place,
  TRACKING_ANNOTATION,
  TRACKING_LABEL,
} from "../../../src/gitops/apply/placement.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const app = { name: "demo", destinationNamespace: "team" };
const obj = (
  kind: string,
  name: string,
  extra: Partial<KubeObject["metadata"]> = {},
  apiVersion = "v1",
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...extra },
});

test("namespaced objects land in the destination namespace with the tracking label and annotation", () => {
  const placed = place(obj("ConfigMap", "a"), true, app);
  assert.ok(!("refused" in placed));
  assert.equal(placed.object.metadata?.namespace, "team");
  assert.equal(placed.object.metadata?.labels?.[TRACKING_LABEL], "demo");
  assert.equal(placed.object.metadata?.annotations?.[TRACKING_ANNOTATION], "demo:/ConfigMap:team/a");
  const deployment = place(obj("Deployment", "web", {}, "apps/v1"), true, app);
  assert.ok(!("refused" in deployment));
  assert.equal(
    deployment.object.metadata?.annotations?.[TRACKING_ANNOTATION],
    "demo:apps/Deployment:team/web",
  );
});

test("another namespace, cluster-scoped kinds and nameless objects are refused naming them", () => {
  const refusal = (o: KubeObject, namespaced: boolean) => {
    const placed = place(o, namespaced, app);
    return "refused" in placed ? placed.refused : "";
  };
  assert.match(
    refusal(obj("ConfigMap", "a", { namespace: "other" }), true),
    /namespace "other" is not the destination/,
  );
  assert.match(
    refusal(obj("ClusterRole", "r", {}, "rbac.authorization.k8s.io/v1"), false),
    /cluster-scoped objects/,
  );
  assert.match(
    refusal({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }, true),
    /metadata.name is required/,
  );
  assert.equal(refusal(obj("Namespace", "team"), false), "");
});

test("apply order: Namespaces and CRDs, then sync waves, then kinds, then names", () => {
  const p = (o: KubeObject, namespaced = true) => place(o, namespaced, app) as Placed;
  const order = applyOrder([
    p(obj("Deployment", "web", {}, "apps/v1")),
    p(obj("ConfigMap", "late", { annotations: { "argocd.argoproj.io/sync-wave": "5" } })),
    p(obj("Service", "web")),
    p(obj("ConfigMap", "b")),
    p(obj("Namespace", "team"), false),
    p(obj("ConfigMap", "a")),
  ]).map((x) => `${x.object.kind}/${x.object.metadata?.name}`);
  assert.deepEqual(order, [
    "Namespace/team",
    "ConfigMap/a",
    "ConfigMap/b",
    "Service/web",
    "Deployment/web",
    "ConfigMap/late",
  ]);
});

test("validation: in-cluster destination, default project, and the fields not supported yet", () => {
  const base = {
    spec: {
      source: { repoURL: "https://x/y" },
      destination: { server: "https://kubernetes.default.svc", namespace: "team" },
    },
  };
  assert.deepEqual(validateApplication(base), []);
  const messages = validateApplication({
    spec: {
      ...base.spec,
      destination: { server: "https://other:6443" },
      sources: [{}],
      source: { repoURL: "r", plugin: {}, helm: { releaseName: "x", kubeVersion: "1.30" } },
    },
  }).map((p) => `${p.path}: ${p.message}`);
  for (const want of [
    /destination.namespace: is required/,
    /destination.server: only https:\/\/kubernetes.default.svc/,
    /spec.sources is not supported yet/,
    /spec.source.plugin is not supported yet/,
    /spec.source.helm.kubeVersion is not supported yet/,
  ])
    assert.ok(
      messages.some((m) => want.test(m)),
      `${want}: ${messages.join(" | ")}`,
    );
  assert.ok(!messages.some((m) => m.includes("releaseName")), "a helm field sluice renders is accepted");
  assert.deepEqual(
    validateApplication({
      spec: { ...base.spec, source: { repoURL: "r", kustomize: { namePrefix: "p-" }, helm: {} } },
    }).map((p) => `${p.path}: ${p.message}`),
    ["spec.source: only one of kustomize, helm may be set"],
  );
});
