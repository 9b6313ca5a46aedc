// readCrds: what `npm run dev` installs is every CRD document in crds/, and nothing else.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CRD_DIR, readCrds } from "../../tools/crds.ts";

test("every file in crds/ is read, one CRD each", async () => {
  const files = (await readdir(CRD_DIR)).filter((f) => f.endsWith(".yaml"));
  const crds = await readCrds(CRD_DIR);
  assert.equal(crds.length, files.length);
  assert.ok(crds.some((crd) => crd.metadata.name === "rollouts.sluice.dev"));
});

test("a document that is not a CRD is refused, naming its file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-crds-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
  await assert.rejects(readCrds(dir), /cm\.yaml: expected CustomResourceDefinitions/);
});
