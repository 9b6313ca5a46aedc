// AGE as kubectl prints it (apimachinery HumanDuration's rules).
import assert from "node:assert/strict";
import { test } from "node:test";
import { humanDuration } from "../../../src/cli/render/age.ts";

test("ages get coarser as they grow, like kubectl's", () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [-5 * s, "<invalid>"],
    [-500, "0s"],
    [40 * s, "40s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [9 * m + 30 * s, "9m30s"],
    [10 * m + 30 * s, "10m"],
    [3 * h - 1 * m, "179m"],
    [3 * h + 59 * m, "3h59m"],
    [5 * h, "5h"],
    [47 * h, "47h"],
    [2 * d + 3 * h, "2d3h"],
    [7 * d, "7d"],
    [8 * d + 5 * h, "8d"],
    [800 * d, "2y70d"],
    [9 * 365 * d, "9y"],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms}ms`);
});
