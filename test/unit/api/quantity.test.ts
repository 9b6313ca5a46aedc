import assert from "node:assert/strict";
import { test } from "node:test";
import { parseQuantity, sameQuantity } from "../../../src/api/quantity.ts";

test("quantities: decimal SI, binary SI, exponents and plain numbers", () => {
  const table: [string | number, number][] = [
    ["500m", 0.5],
    ["0.5", 0.5],
    ["1", 1],
    [2, 2],
    ["1k", 1000],
    ["64Mi", 64 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1e3", 1000],
    ["1.5E-3", 0.0015],
    ["250n", 250 * 1e-9],
    [".5", 0.5],
  ];
  for (const [text, value] of table) assert.equal(parseQuantity(text), value, String(text));
  for (const bad of ["", "abc", "1 Gi", "1Gb", "Mi", "1.2.3", "--1"])
    assert.equal(parseQuantity(bad), undefined, bad);
});

test("sameQuantity compares values, not spellings", () => {
  assert.ok(sameQuantity("0.5", "500m"));
  assert.ok(sameQuantity("1Gi", "1024Mi"));
  assert.ok(sameQuantity("1000", "1k"));
  assert.ok(sameQuantity(1, "1"));
  assert.ok(!sameQuantity("1G", "1Gi"));
  assert.ok(!sameQuantity("web:1.0", "web:1.0"), "non-quantities are not compared here");
  assert.ok(!sameQuantity("100m", "200m"));
});
