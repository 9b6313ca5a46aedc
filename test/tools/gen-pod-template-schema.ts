// Regenerates src/api/crd/pod-template-spec.schema.json (the Rollout's `spec.template` schema) from
// the pinned API server's own OpenAPI, so the CRD accepts exactly what a Deployment does:
//
//   npm run gen:pod-schema      (starts a minimal cluster, or uses SLUICE_TEST_KUBECONFIG)
//
// test/integration/api/pod-template-schema.test.ts fails when the committed file is stale.
import { execFileSync } from "node:child_process";
import { stat, writeFile } from "node:fs/promises";
import { get, type RequestOptions } from "node:https";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig, VersionApi } from "@kubernetes/client-node";
import { type OpenApiDocument, structuralSchemaFor } from "../../src/api/crd/openapi.ts";
import { LocalCluster } from "../cluster/cluster.ts";
import { ENV } from "../helpers/env.ts";

const repoRoot = resolve(fileURLToPath(import.meta.url), "..", "..", "..");
export const POD_TEMPLATE_SCHEMA_PATH = join(repoRoot, "src", "api", "crd", "pod-template-spec.schema.json");
export const POD_TEMPLATE_SPEC = "io.k8s.api.core.v1.PodTemplateSpec";

/** GETs /openapi/v3/api/v1 (the core group's schemas) with the kubeconfig's credentials. */
export async function fetchCoreOpenApi(kc: KubeConfig): Promise<OpenApiDocument> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster");
  const options: RequestOptions = { headers: { Accept: "application/json" } };
  await kc.applyToHTTPSOptions(options);
  const url = `${server.replace(/\/$/, "")}/openapi/v3/api/v1`;
  return new Promise((resolveDoc, reject) => {
    get(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 200)}`));
        else resolveDoc(JSON.parse(body) as OpenApiDocument);
      });
    }).on("error", reject);
  });
}

async function main(): Promise<void> {
  const given = process.env[ENV.kubeconfig];
  const cluster = given ? undefined : await LocalCluster.start({ minimal: true, prometheus: false });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(given ?? cluster?.info.kubeconfig ?? "");
    const version = await kc.makeApiClient(VersionApi).getCode();
    const schema = structuralSchemaFor(await fetchCoreOpenApi(kc), POD_TEMPLATE_SPEC);
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    await writeFile(POD_TEMPLATE_SCHEMA_PATH, text);
    // Written as the repo's formatter would, so `npm run lint` leaves the committed file alone.
    execFileSync(
      join(repoRoot, "node_modules", ".bin", "biome"),
      ["format", "--write", POD_TEMPLATE_SCHEMA_PATH],
      {
        stdio: "inherit",
      },
    );
    const { size } = await stat(POD_TEMPLATE_SCHEMA_PATH);
    console.log(
      `wrote ${relative(repoRoot, POD_TEMPLATE_SCHEMA_PATH)} (${size} bytes) from Kubernetes ${version.gitVersion}`,
    );
  } finally {
    await cluster?.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
