// Golden files: expected output kept as text next to the tests, read by people as well as compared.
// SLUICE_UPDATE_GOLDEN=1 rewrites them from the current output (then read the diff before committing).
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(fileURLToPath(import.meta.url), "../golden");

export function assertGolden(name: string, actual: string): void {
  const file = join(dir, name);
  if (process.env.SLUICE_UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  assert.ok(existsSync(file), `golden file ${name} is missing (SLUICE_UPDATE_GOLDEN=1 creates it)`);
  assert.equal(actual, readFileSync(file, "utf8"), `output differs from golden/${name}`);
}
