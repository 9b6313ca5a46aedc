// Writes charts/sluice/dashboards/sluice.json from test/tools/dashboard.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dashboard } from "./dashboard.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const dir = join(root, "charts/sluice/dashboards");
await mkdir(dir, { recursive: true });
const content = `${JSON.stringify(dashboard(), null, 2)}\n`;
await writeFile(join(dir, "sluice.json"), content);
console.log(`wrote charts/sluice/dashboards/sluice.json (${content.length} bytes)`);
