// The web provider's jsonPath (jsonpath-plus behind a Kubernetes-style template): every form a
// template may use, what "matched nothing" and "malformed" look like, and that no script in a
// path is ever run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";
import { pick } from "../../../src/metricproviders/web/json-path.ts";

const doc = {
  data: {
    ratio: 0.99,
    none: null,
    zero: 0,
    items: [
      { name: "a", v: 1 },
      { name: "x", v: 2 },
    ],
    "p-99": 120,
    "a.b": 5,
    "it's": 7,
    nested: [[1, 2], [3]],
  },
  ok: true,
};

/** Asserts a MeasurementError whose message names the path and matches `reason`. */
function refuses(jsonPath: string, reason: RegExp, document: unknown = doc, timeoutMs?: number) {
  assert.throws(
    () => pick(document, jsonPath, timeoutMs),
    (e: Error) =>
      e instanceof MeasurementError && e.message.includes(`"${jsonPath}"`) && reason.test(e.message),
    jsonPath,
  );
}

test("jsonPath: {$} and the default are the whole document", () => {
  assert.deepEqual(pick(doc), doc);
  assert.deepEqual(pick(doc, "{$}"), doc);
  assert.deepEqual(pick(doc, " { $ } "), doc, "spaces around and inside the braces");
  assert.deepEqual(pick(doc, "$"), doc);
});

test("jsonPath: fields, indexes and quoted keys, with or without braces and $", () => {
  const table: [string, unknown][] = [
    ["{$.data.ratio}", 0.99],
    ["$.data.ratio", 0.99],
    ["{.data.ratio}", 0.99],
    [".data.ratio", 0.99],
    ["{$.ok}", true],
    ["{$.data.items[1].v}", 2],
    ["{$.data.items[0]}", { name: "a", v: 1 }],
    ["{$.data['p-99']}", 120],
    ['{$.data["p-99"]}', 120],
    ["{$['data']['ratio']}", 0.99],
    ["{['data'].ratio}", 0.99],
    ["{$.data['a.b']}", 5],
    ["{$.data.it's}", 7],
    ["{$.data.nested[1]}", [3]],
    ["{$.data.nested[0][1]}", 2],
  ];
  for (const [jsonPath, want] of table) assert.deepEqual(pick(doc, jsonPath), want, jsonPath);
});

test("jsonPath: null, 0 and false are values, not misses", () => {
  assert.equal(pick(doc, "{$.data.none}"), null);
  assert.equal(pick(doc, "{$.data.zero}"), 0);
  for (const scalar of [0, false, null, "", 42, "up"])
    assert.equal(pick(scalar, "{$}"), scalar, String(scalar));
  refuses("{$.length}", /matched nothing/, "up");
  refuses("{$.a}", /matched nothing/, 0);
});

test("jsonPath: a list is one value; several matches give the first, as Argo Rollouts does", () => {
  assert.deepEqual(pick(doc, "{$.data.items}"), doc.data.items);
  assert.deepEqual(pick(doc, "{$.data.nested}"), doc.data.nested);
  assert.equal(pick(doc, "{$.data.items[*].v}"), 1);
  assert.equal(pick(doc, "{$..v}"), 1);
  assert.equal(pick(doc, "{$.data.items[1,0].v}"), 2);
  assert.deepEqual(pick(doc, "{$.data.items[1:]}"), { name: "x", v: 2 });
  assert.deepEqual(pick(doc, "{$.data.items[-1:]}"), { name: "x", v: 2 });
});

test("jsonPath: a missing field or index is a MeasurementError naming the path", () => {
  refuses("{$.data.nope}", /matched nothing in the response$/);
  refuses("{$.nope.deeper}", /matched nothing/);
  refuses("{$.data.items[5]}", /matched nothing/);
  refuses("{$.data.items[5].v}", /matched nothing/);
  refuses("{$.data.items[-1]}", /matched nothing/);
  refuses("{$.ok.x}", /matched nothing/);
  refuses("{$.data.items[*].missing}", /matched nothing/);
  // Inherited members are not fields of the document.
  refuses("{$.constructor}", /matched nothing/);
  refuses("{$.data.toString}", /matched nothing/);
  refuses("{$.__proto__}", /matched nothing/);
});

test("jsonPath: a malformed path is a MeasurementError, never a crash", () => {
  refuses("", /malformed: it is empty/);
  refuses("{}", /malformed: it is empty/);
  refuses("{ }", /malformed: it is empty/);
  refuses("{$.data", /malformed/);
  refuses("$.data}", /malformed/);
  refuses("{$.data[}", /malformed: an unclosed \[/);
  refuses("{$.data['p-99}", /malformed: an unclosed \[ or quote/);
  refuses("{$.data]}", /malformed: a \] without its \[/);
  refuses("{$.a}{$.b}", /malformed: one \{…\} template only/);
  refuses("ratio: {$.data.ratio}", /malformed/);
  // Names that are also Object.prototype members trip up jsonpath-plus's path cache.
  for (const name of ["__proto__", "constructor", "hasOwnProperty"])
    refuses(name, /cannot be used|matched nothing/);
  refuses("{$.data.ratio@other()}", /cannot be used/);
});

test("jsonPath: filters and script expressions are refused, never run", () => {
  const marker = "__sluiceJsonPathRan";
  const scripts = [
    "{$.data.items[?(@.name=='x')].v}",
    "{$.data.items[?(@.v > 1)]}",
    "{$.data.items[(@.length-1)]}",
    `{$.data.items[?(@.constructor.constructor('globalThis.${marker}=1')())]}`,
    `{$..[?(this.constructor.constructor('globalThis.${marker}=1')())]}`,
    `{$.data[(globalThis.${marker}=1)]}`,
  ];
  for (const jsonPath of scripts) {
    refuses(
      jsonPath,
      /cannot be used: filters \[\?\(…\)\] and script expressions \[\(…\)\] are not evaluated$/,
    );
  }
  assert.equal((globalThis as Record<string, unknown>)[marker], undefined, "a script ran");
});

test("jsonPath: a path too costly for its document is stopped, not left to stall the controller", () => {
  let deep: unknown = {};
  for (let i = 0; i < 300; i++) deep = { a: deep, b: [1, 2] };
  const started = Date.now();
  refuses("{$..*..*..nope}", /cannot be used: evaluating it took longer than 50 ms$/, deep, 50);
  assert.ok(Date.now() - started < 2_000, `stopped after ${Date.now() - started} ms`);
  assert.equal(pick(deep, "{$.a.a.b[1]}", 50), 2, "a direct path on the same document is quick");

  let deeper: unknown = {};
  for (let i = 0; i < 20_000; i++) deeper = { a: deeper };
  refuses("{$..nope}", /cannot be used/, deeper);
});
