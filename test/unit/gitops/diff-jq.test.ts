// The jq path subset: each supported form names the right locations, jq's null semantics inside
// select, the lenient handling where jq would stop with an error, and every unsupported form an
// error that lists what is supported.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compare, type IgnoreRule } from "../../../src/gitops/diff/index.ts";
import { JQ_SUBSET, jqPaths, parseJqPath } from "../../../src/gitops/diff/jq-path.ts";
import { formatPointer } from "../../../src/gitops/diff/json-pointer.ts";
import { frozen, serverDeployment } from "./diff-fixtures.ts";

const doc = frozen({
  a: { b: 1, "b-c": 2, "x.y": 3, 'q"t': 4, list: [10, 20, 30] },
  items: [
    { name: "one", kind: "init", port: 80, on: true, labels: { tier: "web" }, tags: ["x", "y"] },
    { name: "two", kind: "sidecar", port: 443, on: false, tags: [] },
    { name: "three-injected", port: null },
    "scalar",
  ],
  empty: null,
});

/** The pointers an expression names in `value`; throws on a parse error so a test fails loudly. */
function paths(expression: string, value: unknown = doc): string[] {
  const parsed = parseJqPath(expression);
  if ("error" in parsed) throw new Error(parsed.error);
  return jqPaths(parsed.program, value).map(formatPointer);
}

test("field steps: .a.b, quoted names, bracketed strings, escapes", () => {
  assert.deepEqual(paths(".a.b"), ["/a/b"]);
  assert.deepEqual(paths(".a"), ["/a"]);
  assert.deepEqual(paths('.a."x.y"'), ["/a/x.y"]);
  assert.deepEqual(paths('.a["b-c"]'), ["/a/b-c"]);
  assert.deepEqual(paths('.["a"].b'), ["/a/b"]);
  assert.deepEqual(paths('.a["q\\"t"]'), ['/a/q"t']);
  assert.deepEqual(paths('.a["\\u0062"]'), ["/a/b"]);
  assert.deepEqual(paths(" .a . b "), ["/a/b"], "whitespace between tokens");
  assert.deepEqual(paths(".a.missing"), [], "a missing field names nothing to delete");
  assert.deepEqual(paths(".a.b.c"), [], "a field of a number names nothing");
});

test("index and iteration steps: [n], negative [n], [], [] over an object, ? after any step", () => {
  assert.deepEqual(paths(".a.list[0]"), ["/a/list/0"]);
  assert.deepEqual(paths(".a.list[-1]"), ["/a/list/2"]);
  assert.deepEqual(paths(".a.list[3]"), []);
  assert.deepEqual(paths(".a.list[]"), ["/a/list/0", "/a/list/1", "/a/list/2"]);
  assert.deepEqual(paths(".a[]"), ["/a/b", "/a/b-c", "/a/x.y", '/a/q"t', "/a/list"]);
  assert.deepEqual(paths(".a.list[]?"), ["/a/list/0", "/a/list/1", "/a/list/2"]);
  assert.deepEqual(paths(".a?.list?[1]?"), ["/a/list/1"]);
  assert.deepEqual(paths(".[]").length, 3);
  assert.deepEqual(paths(".items[].name"), ["/items/0/name", "/items/1/name", "/items/2/name"]);
  assert.deepEqual(paths(".items[].tags[]"), ["/items/0/tags/0", "/items/0/tags/1"]);
});

test("where jq would stop with an error the subset names nothing, with or without ?", () => {
  assert.deepEqual(paths(".empty[]"), []);
  assert.deepEqual(paths(".nothing[]"), []);
  assert.deepEqual(paths(".nothing[]?"), []);
  assert.deepEqual(paths(".a.b[]"), []);
  assert.deepEqual(paths(".a.list.x"), []);
  assert.deepEqual(paths(".a[0]"), [], "an index into an object");
  assert.deepEqual(paths("."), [], "the whole document is never a location to delete");
});

test("pipes continue from each location", () => {
  assert.deepEqual(paths(".a | .list | .[1]"), ["/a/list/1"]);
  assert.deepEqual(paths(".items[] | .port"), ["/items/0/port", "/items/1/port", "/items/2/port"]);
});

test("select with == and != against string, number, boolean and null literals", () => {
  assert.deepEqual(paths('.items[] | select(.name == "two")'), ["/items/1"]);
  // The scalar item cannot be indexed (jq would stop with an error), so it never matches, even !=.
  assert.deepEqual(paths('.items[] | select(.name != "two")'), ["/items/0", "/items/2"]);
  assert.deepEqual(paths(".items[] | select(.port == 443)"), ["/items/1"]);
  assert.deepEqual(paths(".items[] | select(.port == 80.0)"), ["/items/0"]);
  assert.deepEqual(paths(".items[] | select(.on == true)"), ["/items/0"]);
  assert.deepEqual(paths(".items[] | select(.on == false)"), ["/items/1"]);
  // jq: a missing field of a record is null; the scalar item cannot be indexed, so it never matches.
  assert.deepEqual(paths(".items[] | select(.on == null)"), ["/items/2"]);
  assert.deepEqual(paths(".items[] | select(.kind == null)"), ["/items/2"]);
  assert.deepEqual(paths(".items[] | select(.port == null)"), ["/items/2"]);
  assert.deepEqual(paths('.items[] | select(.labels.tier == "web")'), ["/items/0"]);
  assert.deepEqual(paths('.items[] | select(.labels["tier"] == "web") | .name'), ["/items/0/name"]);
  assert.deepEqual(paths('.items[] | select(.tags[] == "y")'), ["/items/0"], "any output counts");
  assert.deepEqual(paths('.items[] | select(.tags[0] == "x")'), ["/items/0"]);
  assert.deepEqual(paths(". | select(.a.b == 1) | .a.b"), ["/a/b"]);
});

test("select with startswith, endswith, a bare path, and/or and parentheses", () => {
  assert.deepEqual(paths('.items[] | select(.name | startswith("t"))'), ["/items/1", "/items/2"]);
  assert.deepEqual(paths('.items[] | select(.name | endswith("-injected"))'), ["/items/2"]);
  assert.deepEqual(paths('.items[] | select(.port | startswith("4"))'), [], "a number never starts with");
  assert.deepEqual(paths(".items[] | select(.on)"), ["/items/0"]);
  assert.deepEqual(paths(".items[] | select(.labels)"), ["/items/0"]);
  assert.deepEqual(paths('.items[] | select(.kind == "init" or .kind == "sidecar")'), [
    "/items/0",
    "/items/1",
  ]);
  assert.deepEqual(paths('.items[] | select(.kind == "sidecar" and .port == 443)'), ["/items/1"]);
  assert.deepEqual(paths('.items[] | select(.kind == "sidecar" and .port == 80)'), []);
  assert.deepEqual(paths('.items[] | select((.name | startswith("t")) and (.port == null or .port == 80))'), [
    "/items/2",
  ]);
  assert.deepEqual(paths('.items[] | select(.name == "one" or .name == "two" and .port == 80)'), [
    "/items/0",
  ]);
});

test("unsupported expressions are errors that say where and list the supported forms", () => {
  const cases: [string, RegExp][] = [
    ["", /expected a path starting with "\." or select\( at the end of the expression/],
    ["spec.replicas", /expected a path starting with "\." or select\( at column 1 \(found spec\)/],
    ["del(.spec)", /found del/],
    [".a[", /at the end of the expression/],
    [".a]", /unexpected at column 3 \(found \]\)/],
    [".a, .b", /unsupported character "," at column 3/],
    [".a | length", /found length/],
    [".. | .image", /expected a field name/],
    [".a[1.5]", /integer index/],
    ['.a["x"', /expected "\]"/],
    ['.a."x', /unterminated or invalid string at column 4/],
    ['.a["\\q"]', /invalid string "\\q"/],
    ["$x", /unsupported character "\$"/],
    [".a | select(.b > 1)", /unsupported character ">"/],
    [".a | select(.b == .c)", /expected a string, number, true, false or null at column 19 \(found \.\)/],
    ['.a | select(.b | test("x"))', /expected startswith or endswith/],
    [".a | select(.b | startswith(1))", /expected a string/],
    [".a | select(.b == 1", /expected "\)" at the end/],
    ['.a | select("x" == .b)', /expected a path starting with "\." or "\("/],
    [".a | select()", /expected a path/],
    [".a |", /at the end of the expression/],
    [".a | select(.b == undefined)", /expected a string, number, true, false or null/],
  ];
  for (const [expression, message] of cases) {
    const parsed = parseJqPath(expression);
    assert.ok("error" in parsed, `${expression} should not parse`);
    assert.match(parsed.error, message, expression);
    assert.ok(parsed.error.endsWith(JQ_SUBSET), expression);
  }
});

test("deleting several selected list items removes each of them (later indices first)", () => {
  const pod = (names: string[]) => ({
    ...serverDeployment(),
    spec: { template: { spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) } } },
  });
  const rule: IgnoreRule = {
    group: "apps",
    kind: "Deployment",
    jqPathExpressions: ['.spec.template.spec.containers[] | select(.name | startswith("mesh-"))'],
  };
  const predicted = frozen(pod(["web"]));
  const live = frozen(pod(["mesh-init", "web", "mesh-proxy", "mesh-log"]));
  assert.equal(compare(predicted, live, []).drifted, true);
  assert.deepEqual(compare(predicted, live, [rule]), { drifted: false, paths: [] });
  const reordered = frozen(pod(["mesh-proxy", "mesh-log", "web"]));
  assert.equal(compare(predicted, reordered, [rule]).drifted, false);
  const extra = frozen(pod(["mesh-proxy", "web", "debug"]));
  assert.deepEqual(compare(predicted, extra, [rule]).paths, ["/spec/template/spec/containers/1"]);
});

test("jq paths to a field under selected items and to map keys with slashes", () => {
  const live = frozen({
    ...serverDeployment(),
    metadata: { name: "web", annotations: { "example.com/checksum": "abc", keep: "1" } },
    spec: {
      template: { spec: { containers: [{ name: "web", image: "a", resources: { limits: { cpu: "1" } } }] } },
    },
  });
  const predicted = frozen({
    ...live,
    metadata: { name: "web", annotations: { "example.com/checksum": "xyz", keep: "1" } },
    spec: {
      template: {
        spec: { containers: [{ name: "web", image: "a", resources: { limits: { cpu: "1000m" } } }] },
      },
    },
  });
  const rule = (jqPathExpressions: string[]): IgnoreRule[] => [
    { group: "apps", kind: "Deployment", jqPathExpressions },
  ];
  assert.deepEqual(compare(predicted, live, []).paths, [
    "/metadata/annotations/example.com~1checksum",
    "/spec/template/spec/containers/0/resources/limits/cpu",
  ]);
  assert.deepEqual(compare(predicted, live, rule(['.metadata.annotations["example.com/checksum"]'])).paths, [
    "/spec/template/spec/containers/0/resources/limits/cpu",
  ]);
  assert.deepEqual(
    compare(
      predicted,
      live,
      rule(['.spec.template.spec.containers[] | select(.name == "web") | .resources.limits.cpu']),
    ).paths,
    ["/metadata/annotations/example.com~1checksum"],
  );
});
