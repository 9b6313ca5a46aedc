// fieldRef paths against a Rollout: the downward-API metadata forms, walked spec/status paths,
// value rendering, and every way a path can be malformed or miss.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FieldRefError, resolveFieldRef } from "../../../src/analysis/field-ref.ts";

const rollout = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "0b1c-42",
    labels: { app: "web", "app.kubernetes.io/name": "storefront" },
    annotations: { "example.com/x": "yes", "example.com/quote": 'say "hi"' },
  },
  spec: {
    replicas: 3,
    paused: false,
    selector: { matchLabels: { app: "web" } },
    template: {
      spec: {
        containers: [
          { name: "main", image: "web:1.2", ports: [{ containerPort: 8080 }] },
          { name: "sidecar", image: "envoy:1" },
        ],
      },
    },
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
    note: null,
    "odd.key": "dotted",
    "it's": "apostrophe",
  },
  status: { stableRS: "5f7d9", currentPodHash: "6c8e1" },
};

const resolves: [string, string][] = [
  ["metadata.name", "web"],
  ["metadata.namespace", "shop"],
  ["metadata.uid", "0b1c-42"],
  ["metadata.labels['app']", "web"],
  ['metadata.labels["app"]', "web"],
  ["metadata.labels['app.kubernetes.io/name']", "storefront"],
  ["metadata.annotations['example.com/x']", "yes"],
  ['metadata.annotations["example.com/x"]', "yes"],
  ["metadata.annotations['example.com/quote']", 'say "hi"'],
  ["metadata.labels", 'app="web"\napp.kubernetes.io/name="storefront"'],
  ["spec.template.spec.containers[0].image", "web:1.2"],
  ["spec.template.spec.containers[1].name", "sidecar"],
  ["spec.template.spec.containers[0].ports[0].containerPort", "8080"],
  ["spec.template.spec.containers.1.image", "envoy:1"],
  ["spec.replicas", "3"],
  ["spec.paused", "false"],
  ["status.stableRS", "5f7d9"],
  ["spec.selector.matchLabels['app']", "web"],
  ['spec.selector.matchLabels["app"]', "web"],
  ["spec['odd.key']", "dotted"],
  [`spec["it's"]`, "apostrophe"],
  ["spec.selector.matchLabels", '{"app":"web"}'],
  ["spec.strategy.canary.steps", '[{"setWeight":20},{"pause":{}}]'],
  ["spec.strategy.canary.steps[1].pause", "{}"],
];

for (const [path, expected] of resolves) {
  test(`resolves ${path}`, () => {
    assert.equal(resolveFieldRef(rollout, path), expected);
  });
}

const fails: [string, string][] = [
  ["", "the path is empty"],
  ["metadata.labels['team']", 'label "team" not found'],
  ["metadata.annotations['example.com/y']", 'annotation "example.com/y" not found'],
  ["metadata.generation", "unsupported metadata path"],
  ["metadata", "unsupported metadata path"],
  ["metadata.labels.app", "unsupported metadata path"],
  ["metadata.labels[0]", "unsupported metadata path"],
  ["metadata.labels['app']['x']", "unsupported metadata path"],
  ["spec.missing", "spec.missing not found"],
  ["spec.template.spec.containers[2].image", "spec.template.spec.containers[2] is out of range"],
  ["spec.template.spec.containers.5", "spec.template.spec.containers.5 is out of range"],
  ["spec.note", "spec.note is null"],
  ["spec.note.inner", "spec.note is null"],
  ["spec.replicas.value", "spec.replicas is a number, not an object"],
  ["spec.template.spec.containers.image", "spec.template.spec.containers is an array"],
  ["spec.template.spec.containers['main']", "spec.template.spec.containers is an array"],
  ["spec.selector[0]", "spec.selector is an object, not an array"],
  ["spec..replicas", "empty field name at position 5"],
  [".spec", "empty field name at position 0"],
  ["[0]", "empty field name at position 0"],
  ["spec.", "ends with '.'"],
  ["spec.template.spec.containers[0", "unterminated '['"],
  ["spec.selector.matchLabels['app", "unterminated quote"],
  ["spec.selector.matchLabels['app'", "expected ']'"],
  ["spec.selector.matchLabels['']", "empty key"],
  ["spec.template.spec.containers[-1]", 'index "-1"'],
  ["spec.template.spec.containers[1.5]", 'index "1.5"'],
  ["spec.template.spec.containers[]", 'index ""'],
  ["spec.template.spec.containers[x]", 'index "x"'],
  ["spec.template.spec.containers[0]image", 'unexpected "i"'],
  ["spec]", 'unexpected "]"'],
  ["spec.__proto__", '"__proto__" is not allowed'],
  ["spec.constructor.name", '"constructor" is not allowed'],
  ["spec['prototype']", '"prototype" is not allowed'],
  ["metadata.labels['constructor']", '"constructor" is not allowed'],
  ["spec.toString", "spec.toString not found"],
  ["spec.template.spec.containers.length", "spec.template.spec.containers is an array"],
];

for (const [path, reason] of fails) {
  test(`rejects ${JSON.stringify(path)}: ${reason}`, () => {
    assert.throws(
      () => resolveFieldRef(rollout, path),
      (error: unknown) =>
        error instanceof FieldRefError &&
        error.message.startsWith(`fieldRef "${path}": `) &&
        error.message.includes(reason),
    );
  });
}

test("the downward-API message names the full path and the missing label", () => {
  const resolve = () => resolveFieldRef(rollout, "metadata.labels['team']");
  assert.throws(resolve, FieldRefError);
  assert.throws(resolve, { message: `fieldRef "metadata.labels['team']": label "team" not found` });
});

test("metadata fields missing from the object are errors, not empty strings", () => {
  assert.throws(() => resolveFieldRef({ spec: {} }, "metadata.name"), /metadata\.name not found/);
  assert.equal(resolveFieldRef({ metadata: { name: "x" } }, "metadata.annotations"), "");
});

test("only own properties count, even on an object parsed with a __proto__ key", () => {
  const parsed: unknown = JSON.parse('{"spec":{"__proto__":{"polluted":"yes"}}}');
  assert.throws(() => resolveFieldRef(parsed, "spec.__proto__.polluted"), FieldRefError);
  assert.throws(() => resolveFieldRef(parsed, "spec.polluted"), /spec\.polluted not found/);
});

test("a non-object to resolve against is an error", () => {
  assert.throws(() => resolveFieldRef(null, "spec.replicas"), /not an object/);
  assert.throws(() => resolveFieldRef([rollout], "spec.replicas"), /not an object/);
});
