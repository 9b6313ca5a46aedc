// Health per kind, as Argo CD judges it, and the Application's as the worst of its objects'.
import assert from "node:assert/strict";
import { test } from "node:test";
import { healthOf, worst } from "../../../src/gitops/health/index.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

const o = (kind: string, spec: object, status: object, metadata: object = {}) =>
  ({ kind, metadata: { name: "x", ...metadata }, spec, status }) as KubeObject;

test("Deployment: rolling out, paused, past its deadline, healthy; an unobserved generation is Progressing", () => {
  const status = (s: object) => healthOf("apps", o("Deployment", { replicas: 3 }, s)).status;
  assert.equal(status({ replicas: 3, updatedReplicas: 1, availableReplicas: 1 }), "Progressing");
  assert.equal(status({ replicas: 4, updatedReplicas: 3, availableReplicas: 3 }), "Progressing");
  assert.equal(status({ replicas: 3, updatedReplicas: 3, availableReplicas: 2 }), "Progressing");
  assert.equal(status({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), "Healthy");
  assert.equal(
    status({ conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] }),
    "Degraded",
  );
  assert.equal(healthOf("apps", o("Deployment", { paused: true }, {})).status, "Suspended");
  const stale = o(
    "Deployment",
    { replicas: 1 },
    { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    { generation: 2 },
  );
  assert.equal(healthOf("apps", stale).status, "Progressing");
});

test("Pods, Jobs, PVCs, Services, Ingresses and Rollouts", () => {
  assert.equal(
    healthOf("", o("Pod", {}, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] })).status,
    "Healthy",
  );
  assert.equal(healthOf("", o("Pod", {}, { phase: "Failed" })).status, "Degraded");
  assert.equal(healthOf("", o("Pod", {}, { phase: "Pending" })).status, "Progressing");
  assert.equal(
    healthOf("batch", o("Job", {}, { conditions: [{ type: "Complete", status: "True" }] })).status,
    "Healthy",
  );
  assert.equal(
    healthOf("batch", o("Job", {}, { conditions: [{ type: "Failed", status: "True" }] })).status,
    "Degraded",
  );
  assert.equal(healthOf("", o("PersistentVolumeClaim", {}, { phase: "Bound" })).status, "Healthy");
  assert.equal(healthOf("", o("Service", { type: "ClusterIP" }, {})).status, "Healthy");
  assert.equal(healthOf("", o("Service", { type: "LoadBalancer" }, {})).status, "Progressing");
  assert.equal(
    healthOf("networking.k8s.io", o("Ingress", {}, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } }))
      .status,
    "Healthy",
  );
  for (const [phase, want] of [
    ["Paused", "Suspended"],
    ["Degraded", "Degraded"],
    ["Progressing", "Progressing"],
    ["Healthy", "Healthy"],
  ])
    assert.equal(healthOf("sluice.dev", o("Rollout", {}, { phase })).status, want);
});

test("other kinds by their conditions; a missing object is Missing; the worst decides", () => {
  assert.equal(healthOf("x.dev", o("Widget", {}, {})).status, "Healthy");
  assert.equal(
    healthOf("x.dev", o("Widget", {}, { conditions: [{ type: "Ready", status: "False" }] })).status,
    "Progressing",
  );
  assert.equal(
    healthOf("x.dev", o("Widget", {}, { conditions: [{ type: "Stalled", status: "True" }] })).status,
    "Degraded",
  );
  assert.equal(healthOf("", undefined).status, "Missing");
  assert.equal(
    worst([{ status: "Healthy" }, { status: "Suspended" }, { status: "Progressing" }]).status,
    "Progressing",
  );
  assert.equal(worst([{ status: "Missing" }, { status: "Degraded" }]).status, "Degraded");
  assert.equal(worst([]).status, "Healthy");
});

test("HorizontalPodAutoscaler: a failure condition is Degraded, a settled scale Healthy, else waiting", () => {
  const hpa = (conditions: { type: string; status: string; reason: string; message?: string }[]) => ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    status: { conditions },
  });
  assert.deepEqual(healthOf("autoscaling", hpa([])), {
    status: "Progressing",
    message: "Waiting to Autoscale",
  });
  assert.deepEqual(
    healthOf(
      "autoscaling",
      hpa([
        { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" },
        { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: "no metrics" },
      ]),
    ),
    { status: "Degraded", message: "no metrics" },
  );
  assert.equal(
    healthOf(
      "autoscaling",
      hpa([
        { type: "AbleToScale", status: "True", reason: "SucceededRescale" },
        { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric" },
      ]),
    ).status,
    "Healthy",
    "the first condition that decides wins",
  );
  assert.equal(
    healthOf("autoscaling", hpa([{ type: "ScalingLimited", status: "True", reason: "TooFewReplicas" }]))
      .status,
    "Healthy",
  );
});
