// Writes crds/*.yaml from the CRD definitions in src/api/crd/, and the chart's CRD templates
// (charts/sluice/templates/crds/*.yaml) from those.
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrds } from "../../src/api/crd/all.ts";
import { renderChartCrds } from "./chart-crds.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const crds = renderCrds();
for (const [name, content] of crds) {
  await writeFile(join(root, "crds", name), content);
  console.log(`wrote crds/${name} (${content.length} bytes)`);
}
for (const [name, content] of renderChartCrds(crds)) {
  await writeFile(join(root, "charts/sluice/templates/crds", name), content);
  console.log(`wrote charts/sluice/templates/crds/${name} (${content.length} bytes)`);
}
