// What status keeps of a measurement's value: JSON with NaN/±Inf as strings, and
// at most MAX_STORED_VALUE characters of a large result.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_STORED_VALUE, storedValue } from "../../../src/analysis/measure.ts";

test("values as JSON; NaN and infinities as strings", () => {
  assert.equal(storedValue([0.97, 1]), "[0.97,1]");
  assert.equal(storedValue(0.5), "0.5");
  assert.equal(
    storedValue([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
    '["NaN","Infinity","-Infinity"]',
  );
  assert.equal(storedValue({ ok: 1 }), '{"ok":1}');
  assert.equal(storedValue(undefined), "null");
});

test("a large result is cut, saying how large it was", () => {
  const big = Array.from({ length: 2000 }, (_, i) => i);
  const text = JSON.stringify(big);
  const stored = storedValue(big);
  assert.ok(stored.startsWith(text.slice(0, MAX_STORED_VALUE)));
  assert.match(stored, new RegExp(`\\.\\.\\. \\(${text.length} characters, truncated\\)$`));
  assert.ok(stored.length < MAX_STORED_VALUE + 50);
});
