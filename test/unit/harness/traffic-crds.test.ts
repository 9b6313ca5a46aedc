import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { goModuleDir, readTrafficCrdVersions } from "../../cluster/traffic-crds.ts";

test("readTrafficCrdVersions reads the pinned module versions and names a missing key", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-versions-"));
  const file = join(dir, "versions.env");
  await writeFile(file, "KUBE_VERSION=v1.36.3\nGATEWAY_API_VERSION=v1.6.3\nISTIO_API_VERSION=v1.32.0\n");
  assert.deepEqual(readTrafficCrdVersions(file), { gatewayApi: "v1.6.3", istioApi: "v1.32.0" });
  await writeFile(file, "GATEWAY_API_VERSION=v1.6.3\n");
  assert.throws(() => readTrafficCrdVersions(file), /ISTIO_API_VERSION is not set/);
});

test("without go on PATH, goModuleDir says where the CRDs come from and what is missing", async (t) => {
  const path = process.env.PATH;
  t.after(() => {
    process.env.PATH = path;
  });
  process.env.PATH = await mkdtemp(join(tmpdir(), "sluice-no-go-"));
  await assert.rejects(goModuleDir("sigs.k8s.io/gateway-api", "v0.0.0-no-go"), (error: Error) => {
    assert.match(error.message, /go is not on PATH/);
    assert.match(error.message, /sigs\.k8s\.io\/gateway-api@v0\.0\.0-no-go/);
    return true;
  });
});
