import assert from "node:assert/strict";
import { test } from "node:test";
import { isEmptySelector, selectorMatches, selectorString } from "../../../src/api/selector.ts";

test("label selectors: matchLabels and every matchExpressions operator", () => {
  const labels = { app: "web", tier: "front" };
  assert.ok(selectorMatches({ matchLabels: { app: "web" } }, labels));
  assert.ok(!selectorMatches({ matchLabels: { app: "api" } }, labels));
  assert.ok(
    selectorMatches(
      { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] },
      labels,
    ),
  );
  assert.ok(
    !selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, labels),
  );
  assert.ok(
    selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels),
  );
  assert.ok(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "Bogus" }] }, labels));
});

test("empty selectors and their string form", () => {
  assert.ok(isEmptySelector(undefined));
  assert.ok(isEmptySelector({ matchLabels: {} }));
  assert.ok(!isEmptySelector({ matchLabels: { a: "b" } }));
  assert.equal(
    selectorString({
      matchLabels: { b: "2", a: "1" },
      matchExpressions: [{ key: "c", operator: "In", values: ["x", "y"] }],
    }),
    "a=1,b=2,c in (x,y)",
  );
});
