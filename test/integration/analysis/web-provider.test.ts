// The web provider against an HTTP server on 127.0.0.1 run by this test, through an AnalysisRun:
// the JSONPath value is judged; a non-2xx answer or a non-JSON body is an Error measurement.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns } from "../../../src/kube/resources.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/analysisrun.yaml");

test("web metrics: JSONPath values judged; HTTP errors and non-JSON are Error", async (t) => {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const server = createServer((req, res) => {
    if (req.url === "/health")
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ data: { ratio: 0.99 } }));
    else if (req.url === "/broken") res.writeHead(503).end("down");
    else res.writeHead(200).end("<html>not json</html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const namespace = await useNamespace(t, "web");
  await startSluice(t, [analysisRunController], { namespace });
  const client = testClient();
  const run = async (name: string, path: string, jsonPath?: string) => {
    await client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: {
          metrics: [
            {
              name: "m",
              consecutiveErrorLimit: 0,
              successCondition: "result >= 0.95",
              provider: { web: { url: `${base}${path}`, ...(jsonPath ? { jsonPath } : {}) } },
            },
          ],
        },
      },
      "test",
    );
    return waitFor(`${name} completes`, async () => {
      const r = await client.get<AnalysisRun>(AnalysisRuns, { namespace, name });
      return r.status?.completedAt ? r : pending(JSON.stringify(r.status ?? {}));
    });
  };
  const ok = await run("ok", "/health", "{$.data.ratio}");
  assert.equal(ok.status?.phase, "Successful");
  assert.equal(ok.status?.metricResults?.[0]?.measurements?.[0]?.value, "0.99");
  const broken = await run("broken", "/broken");
  assert.equal(broken.status?.phase, "Error");
  assert.match(broken.status?.metricResults?.[0]?.measurements?.[0]?.message ?? "", /answered HTTP 503/);
  const html = await run("html", "/page");
  assert.match(html.status?.metricResults?.[0]?.measurements?.[0]?.message ?? "", /did not answer JSON/);
});
