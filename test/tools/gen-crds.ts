// Writes crds/*.yaml from the CRD definitions in src/api/crd/.
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrds } from "../../src/api/crd/all.ts";

const crdDir = resolve(fileURLToPath(import.meta.url), "../../../crds");
for (const [name, content] of renderCrds()) {
  await writeFile(join(crdDir, name), content);
  console.log(`wrote crds/${name} (${content.length} bytes)`);
}
