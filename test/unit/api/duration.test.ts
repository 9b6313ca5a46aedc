import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "../../../src/api/duration.ts";

test("durations: integers and numeric strings are seconds", () => {
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration("45"), 45_000);
});

test("durations: unit strings, combined and fractional", () => {
  const table: [string, number][] = [
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["2h0m5s", 7_205_000],
  ];
  for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
});

test("durations: malformed values name the field and show an example", () => {
  for (const bad of ["", "5 minutes", "-5s", "5d", "s", "1h-30m", "abc"]) {
    assert.throws(
      () => parseDuration(bad, "steps[1].pause.duration"),
      /steps\[1\]\.pause\.duration: .*(not a duration|empty)/,
      bad,
    );
  }
  assert.throws(() => parseDuration(-1, "x"), /x: -1 is not a duration/);
  assert.throws(() => parseDuration(Number.NaN, "x"));
});
