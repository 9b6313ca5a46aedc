import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { renderCrds } from "../../../src/api/crd/all.ts";

const crdDir = resolve(fileURLToPath(import.meta.url), "../../../../crds");

test("crds/ is what src/api/crd generates (run npm run gen:crds after changing a CRD)", async () => {
  for (const [name, content] of renderCrds()) {
    const committed = await readFile(join(crdDir, name), "utf8");
    assert.ok(committed === content, `crds/${name} is stale: run npm run gen:crds`);
  }
});
