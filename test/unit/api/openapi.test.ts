import assert from "node:assert/strict";
import { test } from "node:test";
import { type JsonSchema, type OpenApiDocument, structuralSchemaFor } from "../../../src/api/crd/openapi.ts";

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const doc = (schemas: Record<string, JsonSchema>): OpenApiDocument => ({ components: { schemas } });

test("inlines plain refs, allOf wrappers and refs nested in the target", () => {
  const schema = structuralSchemaFor(
    doc({
      Outer: {
        type: "object",
        properties: {
          direct: ref("Middle"),
          wrapped: { description: "wrapped ref", default: {}, allOf: [ref("Middle")] },
          list: { type: "array", items: { default: {}, allOf: [ref("Leaf")] } },
          map: { type: "object", additionalProperties: ref("Leaf") },
        },
      },
      Middle: { type: "object", properties: { leaf: { allOf: [ref("Leaf")] } }, required: ["leaf"] },
      Leaf: { type: "string", enum: ["A", "B"] },
    }),
    "Outer",
  );
  const leaf = { enum: ["A", "B"], type: "string" };
  const middle = { properties: { leaf }, required: ["leaf"], type: "object" };
  assert.deepEqual(schema, {
    properties: {
      direct: middle,
      list: { items: leaf, type: "array" },
      map: { additionalProperties: leaf, type: "object" },
      wrapped: middle,
    },
    type: "object",
  });
});

test("drops descriptions, defaults, list/map/patch/union annotations and uniqueItems", () => {
  const schema = structuralSchemaFor(
    doc({
      Pod: {
        description: "a pod",
        type: "object",
        "x-kubernetes-group-version-kind": [{ group: "", kind: "Pod", version: "v1" }],
        "x-kubernetes-unions": [{ discriminator: "type", "fields-to-discriminateBy": { a: "A" } }],
        properties: {
          ports: {
            type: "array",
            uniqueItems: true,
            items: { type: "object", properties: { port: { type: "integer", default: 80 } } },
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["port"],
            "x-kubernetes-patch-strategy": "merge",
            "x-kubernetes-patch-merge-key": "port",
          },
          selector: {
            type: "object",
            additionalProperties: { type: "string", default: "" },
            "x-kubernetes-map-type": "atomic",
          },
        },
      },
    }),
    "Pod",
  );
  assert.deepEqual(schema, {
    properties: {
      ports: { items: { properties: { port: { type: "integer" } }, type: "object" }, type: "array" },
      selector: { additionalProperties: { type: "string" }, type: "object" },
    },
    type: "object",
  });
});

test("int-or-string by marker, by format and as the Quantity/IntOrString oneOf", () => {
  const schema = structuralSchemaFor(
    doc({
      Res: {
        type: "object",
        properties: {
          port: { allOf: [ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString")] },
          limits: {
            type: "object",
            additionalProperties: ref("io.k8s.apimachinery.pkg.api.resource.Quantity"),
          },
          marked: { "x-kubernetes-int-or-string": true, type: "string" },
          formatted: { format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] },
          union: { oneOf: [{ type: "string" }, { type: "number" }] },
        },
      },
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { format: "int-or-string", oneOf: [] },
      "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
    }),
    "Res",
  );
  const intOrString = { "x-kubernetes-int-or-string": true };
  assert.deepEqual(schema.properties, {
    formatted: intOrString,
    limits: { additionalProperties: intOrString, type: "object" },
    marked: intOrString,
    port: intOrString,
    union: intOrString,
  });
});

test("keeps only formats the CRD validator knows, for their type", () => {
  const schema = structuralSchemaFor(
    doc({
      T: {
        type: "object",
        properties: {
          count: { type: "integer", format: "int32" },
          big: { type: "integer", format: "int64" },
          odd: { type: "integer", format: "uint8" },
          when: { type: "string", format: "date-time" },
          name: { type: "string", format: "k8s-short-name-ish" },
        },
      },
    }),
    "T",
  );
  assert.deepEqual(schema.properties, {
    big: { format: "int64", type: "integer" },
    count: { format: "int32", type: "integer" },
    name: { type: "string" },
    odd: { type: "integer" },
    when: { format: "date-time", type: "string" },
  });
});

test("a recursive ref is cut to an opaque object; a sibling use of the same type is not", () => {
  const schema = structuralSchemaFor(
    doc({
      Root: { type: "object", properties: { a: ref("Node"), b: ref("Node") } },
      Node: { type: "object", properties: { name: { type: "string" }, child: { allOf: [ref("Node")] } } },
    }),
    "Root",
  );
  const node = {
    properties: {
      child: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      name: { type: "string" },
    },
    type: "object",
  };
  assert.deepEqual(schema.properties, { a: node, b: node });
});

test("ObjectMeta keeps typed labels and annotations and preserves the rest", () => {
  const schema = structuralSchemaFor(
    doc({
      Template: { type: "object", properties: { metadata: { default: {}, allOf: [ref(OBJECT_META)] } } },
      [OBJECT_META]: { type: "object", properties: { name: { type: "string" } } },
    }),
    "Template",
  );
  const stringMap = { additionalProperties: { type: "string" }, type: "object" };
  assert.deepEqual(schema.properties, {
    metadata: {
      properties: { annotations: stringMap, labels: stringMap },
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
    },
  });
});

test("objects without declared fields and untyped nodes are preserved, not pruned", () => {
  const schema = structuralSchemaFor(
    doc({ T: { type: "object", properties: { raw: { type: "object" }, anything: {} } } }),
    "T",
  );
  assert.deepEqual(schema.properties, {
    anything: { "x-kubernetes-preserve-unknown-fields": true },
    raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  });
});

test("output keys are sorted at every depth, arrays keep their order", () => {
  const schemas = {
    T: {
      required: ["z", "a"],
      properties: { z: { type: "string", enum: ["b", "a"] }, a: { type: "boolean" } },
      type: "object",
    },
  };
  const first = JSON.stringify(structuralSchemaFor(doc(schemas), "T"));
  assert.equal(
    first,
    '{"properties":{"a":{"type":"boolean"},"z":{"enum":["b","a"],"type":"string"}},"required":["z","a"],"type":"object"}',
  );
  assert.equal(JSON.stringify(structuralSchemaFor(doc(structuredClone(schemas)), "T")), first);
});

test("unknown names and refs are errors that say which", () => {
  assert.throws(() => structuralSchemaFor(doc({}), "Missing"), /components\.schemas\["Missing"\]/);
  assert.throws(
    () => structuralSchemaFor(doc({ T: { type: "object", properties: { x: ref("Gone") } } }), "T"),
    /unresolved \$ref #\/components\/schemas\/Gone/,
  );
});
