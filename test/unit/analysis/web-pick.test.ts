import assert from "node:assert/strict";
import { test } from "node:test";
import { pick } from "../../../src/metricproviders/web/index.ts";

const doc = { data: { ratio: 0.99, items: [{ v: 1 }, { v: 2 }], "p-99": 120 }, ok: true };

test("jsonPath picks fields, indexes and quoted keys; {$} is the whole document", () => {
  assert.deepEqual(pick(doc), doc);
  assert.deepEqual(pick(doc, "{$}"), doc);
  assert.equal(pick(doc, "{$.data.ratio}"), 0.99);
  assert.equal(pick(doc, "{$.data.items[1].v}"), 2);
  assert.equal(pick(doc, "{$.data['p-99']}"), 120);
  assert.equal(pick(doc, "{$.ok}"), true);
});

test("missing fields and unsupported paths are clear errors", () => {
  assert.throws(() => pick(doc, "{$.data.nope}"), /no field "nope"/);
  assert.throws(() => pick(doc, "{$.data.items[5]}"), /no index 5/);
  assert.throws(() => pick(doc, "$.data"), /must look like/);
  assert.throws(() => pick(doc, "{$..ratio}"), /not supported/);
  assert.throws(() => pick(doc, "{$.data.items[?(@.v>1)]}"), /not supported/);
});
