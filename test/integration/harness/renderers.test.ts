// The Git core renders with kustomize and helm built by the harness; prove both binaries work.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { binaryPaths, readVersions } from "../../cluster/binaries.ts";

const run = promisify(execFile);

test("kustomize builds a kustomization with a name prefix", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-kustomize-"));
  await writeFile(
    join(dir, "kustomization.yaml"),
    "namePrefix: prod-\nresources:\n  - cm.yaml\ncommonLabels:\n  team: a\n",
  );
  await writeFile(
    join(dir, "cm.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n",
  );
  const { stdout } = await run(binaryPaths().kustomize, ["build", dir]);
  const [doc] = parseAllDocuments(stdout).map((d) => d.toJS());
  assert.equal(doc.metadata.name, "prod-settings");
  assert.equal(doc.metadata.labels.team, "a");
});

test("helm renders a chart with values", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-helm-"));
  await mkdir(join(dir, "templates"));
  await writeFile(join(dir, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
  await writeFile(join(dir, "values.yaml"), "replicas: 2\n");
  await writeFile(
    join(dir, "templates", "cm.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
  );
  const helm = binaryPaths().helm;
  const { stdout: version } = await run(helm, ["version", "--short"]);
  assert.match(version, new RegExp(`^${readVersions().helm.replaceAll(".", "\\.")}`));
  const home = await mkdtemp(join(tmpdir(), "sluice-helm-home-"));
  const { stdout } = await run(helm, ["template", "web", dir, "--set", "replicas=5"], {
    env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
  });
  const docs = parseAllDocuments(stdout).map((d) => d.toJS());
  assert.equal(docs[0].metadata.name, "web-cfg");
  assert.equal(docs[0].data.replicas, "5");
});
