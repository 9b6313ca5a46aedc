import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { binaryPaths, readVersions } from "../../cluster/binaries.ts";
import { freePorts } from "../../cluster/ports.ts";

test("readVersions reads versions.env and names a missing key", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-versions-"));
  const file = join(dir, "versions.env");
  await writeFile(
    file,
    "# comment\nKUBE_VERSION=v1.36.3\nETCD_VERSION=v3.6.16\nKWOK_VERSION=v0.8.0\nHELM_VERSION=v3.22.0\nKUSTOMIZE_VERSION=v5.8.2\n",
  );
  assert.deepEqual(readVersions(file), {
    kube: "v1.36.3",
    etcd: "v3.6.16",
    kwok: "v0.8.0",
    helm: "v3.22.0",
    kustomize: "v5.8.2",
  });
  await writeFile(file, "KUBE_VERSION=v1.36.3\n");
  assert.throws(() => readVersions(file), /ETCD_VERSION is not set/);
});

test("binaries are cached per component and version", () => {
  const paths = binaryPaths({
    kube: "v1.36.3",
    etcd: "v3.6.16",
    kwok: "v0.8.0",
    helm: "v3.22.0",
    kustomize: "v5.8.2",
  });
  assert.match(paths.kubeApiserver, /bin\/kube-v1\.36\.3\/kube-apiserver$/);
  assert.match(paths.etcd, /bin\/etcd-v3\.6\.16\/etcd$/);
  assert.match(paths.kustomize, /bin\/kustomize-v5\.8\.2\/kustomize$/);
});

test("freePorts returns distinct bindable loopback ports", async () => {
  const ports = await freePorts(8);
  assert.equal(new Set(ports).size, 8);
  for (const port of ports) assert.ok(port > 0 && port < 65536);
});
