// The sample exporter's simulation: per ReplicaSet of Ready pods, the error ratio its image would have.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BAD_ERROR_RATIO,
  errorsByVersion,
  GOOD_ERROR_RATIO,
  type PodLike,
  simulatedErrorRatio,
  tagOf,
} from "../../../demo/exporter.ts";

const pod = (hash: string | undefined, image: string, ready = true, deleting = false): PodLike => ({
  metadata: {
    name: `web-${hash}-${Math.random()}`,
    labels: { app: "web", ...(hash ? { "rollouts-pod-template-hash": hash } : {}) },
    ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
  spec: {
    containers: [
      { name: "sidecar", image: "proxy:1" },
      { name: "web", image },
    ],
  },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

test("tagOf reads the tag of an image reference", () => {
  assert.equal(tagOf("registry.example/web:v2"), "v2");
  assert.equal(tagOf("localhost:5000/web:v3-bad"), "v3-bad");
  assert.equal(tagOf("localhost:5000/web"), "latest");
  assert.equal(tagOf("web:v1@sha256:abc"), "v1");
});

test("only builds tagged -bad fail their requests", () => {
  assert.equal(simulatedErrorRatio("registry.example/web:v3-bad"), BAD_ERROR_RATIO);
  assert.equal(simulatedErrorRatio("registry.example/web:v2"), GOOD_ERROR_RATIO);
  assert.equal(simulatedErrorRatio("registry.example/bad:v2"), GOOD_ERROR_RATIO);
  assert.ok(BAD_ERROR_RATIO > 0.05 && GOOD_ERROR_RATIO < 0.05, "one side of the analysis's 5 % each");
});

test("Ready pods are grouped by pod-template hash with the app container's version", () => {
  const pods = [
    pod("aaa", "registry.example/web:v2"),
    pod("aaa", "registry.example/web:v2"),
    pod("bbb", "registry.example/web:v3-bad"),
    pod("bbb", "registry.example/web:v3-bad", false),
    pod("ccc", "registry.example/web:v1", true, true),
    pod(undefined, "registry.example/web:v9"),
  ];
  assert.deepEqual(errorsByVersion(pods), [
    { hash: "aaa", version: "v2", readyPods: 2, errorRatio: GOOD_ERROR_RATIO },
    { hash: "bbb", version: "v3-bad", readyPods: 1, errorRatio: BAD_ERROR_RATIO },
  ]);
  assert.deepEqual(errorsByVersion([]), []);
});
