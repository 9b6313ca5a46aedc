// Turns a built-in type's schema, as the API server publishes it at /openapi/v3/api/v1, into a
// structural schema a CRD can embed (the Rollout's pod template). Pure: the caller fetches the
// document; test/tools/gen-pod-template-schema.ts writes the result to a committed JSON file.
export type JsonSchema = { [key: string]: unknown };

export interface OpenApiDocument {
  components?: { schemas?: Record<string, JsonSchema> };
}

const SCHEMA_REF_PREFIX = "#/components/schemas/";

// Published as `oneOf: [string, number|integer]`, which a structural schema forbids; the CRD
// spelling is x-kubernetes-int-or-string (the API server then accepts an integer or a string, so
// a fractional number such as `cpu: 0.5` must be written "500m" or "0.5").
const INT_OR_STRING_TYPES = new Set([
  "io.k8s.apimachinery.pkg.api.resource.Quantity",
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
]);
const INT_OR_STRING: JsonSchema = { "x-kubernetes-int-or-string": true };

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const STRING_MAP: JsonSchema = { type: "object", additionalProperties: { type: "string" } };
// Nested ObjectMeta (template.metadata, ephemeral volumeClaimTemplate.metadata): labels and
// annotations are what gets copied to pods, so they are typed (a non-string label is rejected as
// a Deployment would). The rest (name, finalizers, the `creationTimestamp: null` kubectl and helm
// write) is preserved rather than pruned, so nothing Git holds is silently dropped (DESIGN §2);
// inlining all of ObjectMeta would instead carry server-owned fields (managedFields, uid, ...).
const TEMPLATE_METADATA: JsonSchema = {
  type: "object",
  properties: { annotations: STRING_MAP, labels: STRING_MAP },
  "x-kubernetes-preserve-unknown-fields": true,
};

// A schema seen again while it is being expanded (a type containing itself) cannot be inlined.
const RECURSION_CUT: JsonSchema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

// Keywords a structural schema accepts. Dropped by omission: description and default (size, and a
// default would need to be valid under the stripped schema), allOf/oneOf/anyOf (refs are inlined,
// int-or-string is rewritten), uniqueItems (forbidden in CRDs), and every x-kubernetes-* list/map/
// patch/union/GVK annotation: list-type "map" needs its keys required or defaulted (ports'
// `protocol` is only defaulted), and SSA merge semantics are not needed inside the template.
const KEPT_KEYWORDS = new Set([
  "type",
  "format",
  "properties",
  "additionalProperties",
  "items",
  "required",
  "enum",
  "nullable",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "multipleOf",
]);

// Formats the CRD validator knows (apiextensions formats.go); others are only warned about and
// ignored by the API server, so they are dropped here to keep the CRD warning-free.
const STRING_FORMATS = new Set([
  ..."bsonobjectid uri email hostname ipv4 ipv6 cidr mac uuid uuid3 uuid4 uuid5".split(" "),
  ..."isbn isbn10 isbn13 creditcard ssn hexcolor rgbcolor byte password".split(" "),
  ..."date duration datetime date-time".split(" "),
]);
const FORMATS_BY_TYPE: Record<string, Set<string>> = {
  string: STRING_FORMATS,
  integer: new Set(["int32", "int64"]),
  number: new Set(["float", "double"]),
};

type Schemas = Record<string, JsonSchema>;
type Resolved = { done: true; schema: JsonSchema } | { done: false; schema: JsonSchema; stack: string[] };

/**
 * The structural schema of `components.schemas[schemaName]` with every `$ref` inlined, keys
 * sorted so regenerating from the same API server gives byte-equal JSON.
 */
export function structuralSchemaFor(doc: OpenApiDocument, schemaName: string): JsonSchema {
  const schemas = doc.components?.schemas ?? {};
  if (!schemas[schemaName]) throw new Error(`OpenAPI document has no components.schemas["${schemaName}"]`);
  return sortKeys(convert({ $ref: `${SCHEMA_REF_PREFIX}${schemaName}` }, schemas, [])) as JsonSchema;
}

function convert(node: JsonSchema, schemas: Schemas, stack: string[]): JsonSchema {
  const resolved = resolveRefs(node, schemas, stack);
  if (resolved.done) return resolved.schema;
  const schema = resolved.schema;
  if (isIntOrString(schema)) return INT_OR_STRING;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT_KEYWORDS.has(key)) copyKeyword(out, key, value, schema, schemas, resolved.stack);
  }
  return opaqueIfUnstructured(out);
}

/** One kept keyword of `schema` into `out`, its nested schemas converted in turn. */
function copyKeyword(
  out: JsonSchema,
  key: string,
  value: unknown,
  schema: JsonSchema,
  schemas: Schemas,
  stack: string[],
): void {
  if (key === "properties" && isSchema(value)) {
    const properties = convertProperties(value, schemas, stack);
    if (Object.keys(properties).length > 0) out.properties = properties;
  } else if (key === "items" || key === "additionalProperties") {
    // A boolean additionalProperties has no structural spelling; without it the node is opaque.
    if (isSchema(value)) out[key] = convert(value, schemas, stack);
  } else if (key === "format") {
    if (FORMATS_BY_TYPE[String(schema.type)]?.has(String(value))) out.format = value;
  } else {
    out[key] = value;
  }
}

function convertProperties(properties: JsonSchema, schemas: Schemas, stack: string[]): JsonSchema {
  const out: JsonSchema = {};
  for (const [name, child] of Object.entries(properties)) {
    if (isSchema(child)) out[name] = convert(child, schemas, stack);
  }
  return out;
}

/**
 * Inlines `$ref` and the `allOf: [{ $ref }]` wrapper the API server puts around refs that carry a
 * description or default. Siblings of the ref win over the target's keys. Returns `done` when the
 * ref is one of the types rewritten whole (int-or-string, ObjectMeta) or a recursion.
 */
function resolveRefs(node: JsonSchema, schemas: Schemas, stack: string[]): Resolved {
  const { $ref, allOf, ...siblings } = node;
  const parts: unknown[] = [
    ...(typeof $ref === "string" ? [{ $ref }] : []),
    ...(Array.isArray(allOf) ? allOf : []),
  ];
  let merged: JsonSchema = {};
  let expanded = stack;
  for (const part of parts) {
    if (!isSchema(part)) continue;
    const inner = resolvePart(part, schemas, stack);
    if (inner.done) return inner;
    merged = { ...merged, ...inner.schema };
    expanded = [...new Set([...expanded, ...inner.stack])];
  }
  return { done: false, schema: { ...merged, ...siblings }, stack: expanded };
}

/** One part of a node: a `$ref` followed to its target (unless rewritten whole), else the part itself. */
function resolvePart(part: JsonSchema, schemas: Schemas, stack: string[]): Resolved {
  if (typeof part.$ref !== "string") return resolveRefs(part, schemas, stack);
  const name = refName(part.$ref);
  if (INT_OR_STRING_TYPES.has(name)) return { done: true, schema: INT_OR_STRING };
  if (name === OBJECT_META) return { done: true, schema: TEMPLATE_METADATA };
  if (stack.includes(name)) return { done: true, schema: RECURSION_CUT };
  const target = schemas[name];
  if (!target) throw new Error(`unresolved $ref ${part.$ref}`);
  return resolveRefs(target, schemas, [...stack, name]);
}

function refName(ref: string): string {
  if (!ref.startsWith(SCHEMA_REF_PREFIX))
    throw new Error(`unsupported $ref ${ref} (only ${SCHEMA_REF_PREFIX}*)`);
  return ref.slice(SCHEMA_REF_PREFIX.length);
}

/** Int-or-string by marker, or any `oneOf`/`anyOf` of a string and a number. */
function isIntOrString(schema: JsonSchema): boolean {
  if (schema["x-kubernetes-int-or-string"] === true || schema.format === "int-or-string") return true;
  const union = schema.oneOf ?? schema.anyOf;
  if (!Array.isArray(union)) return false;
  const types = union.map((s) => (isSchema(s) ? s.type : undefined));
  return types.includes("string") && (types.includes("integer") || types.includes("number"));
}

/**
 * A node the API server would reject (no type) or prune to `{}` (an object with no declared
 * fields, e.g. FieldsV1 or RawExtension) is opaque in Kubernetes' own schema: keep its content.
 */
function opaqueIfUnstructured(schema: JsonSchema): JsonSchema {
  if (schema.type === undefined) return { "x-kubernetes-preserve-unknown-fields": true };
  if (schema.type === "object" && !schema.properties && !schema.additionalProperties) {
    return { ...schema, "x-kubernetes-preserve-unknown-fields": true };
  }
  return schema;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Object keys sorted at every depth; array order is meaning (enum, required) and is kept. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isSchema(value)) return value;
  const sorted: JsonSchema = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}
