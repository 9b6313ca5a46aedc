// The Helm renderer with the real helm binary the harness builds: release name and namespace, the
// order values are layered in (chart defaults, value files, values/valuesObject, parameters), CRDs,
// vendored dependencies; helm's own words on a failure; and what must never happen — a value file
// read from outside the repository, a dependency fetched, the controller's environment handed on.
import assert from "node:assert/strict";
import { chmod, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { ApplicationSource } from "../../../src/api/application.ts";
import { setValue } from "../../../src/gitops/render/helm.ts";
import { RenderError, render, sourceTypeOf } from "../../../src/gitops/render/index.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { binaryPaths } from "../../cluster/binaries.ts";
import { fileTree, testRenderTools } from "../../helpers/gitops.ts";

const chart = {
  "repo/charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "repo/charts/web/values.yaml": "color: red\nsize: small\nshape: round\nlabel: none\n",
  "repo/charts/web/templates/settings.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  namespace: {{ .Release.Namespace }}
data:
  color: {{ .Values.color | quote }}
  size: {{ .Values.size | quote }}
  shape: {{ .Values.shape | quote }}
  label: {{ .Values.label | quote }}
  replicas: {{ .Values.replicas | default 1 | kindIs "string" | ternary "string" "number" | quote }}
`,
  "repo/charts/web/crds/widget.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]
`,
  "repo/charts/web/values-prod.yaml": "size: large\n",
  "repo/shared/common.yaml": "shape: square\n",
  "outside/secret.yaml": "color: stolen\n",
};

const context = (tools = testRenderTools()) => ({ appName: "demo", namespace: "team", tools });
const source = (path: string, helm?: Record<string, unknown>): ApplicationSource => ({
  repoURL: "file:///unused",
  path,
  ...(helm ? { helm } : {}),
});
type Settings = KubeObject & { data: Record<string, string> };
const settingsOf = (rendered: { object: KubeObject }[]) => {
  const found = rendered.find((r) => r.object.kind === "ConfigMap")?.object as Settings | undefined;
  assert.ok(found, "the settings ConfigMap was rendered");
  return found;
};

async function repo(t: TestContext, extra: Record<string, string> = {}) {
  const tree = await fileTree(t, { ...chart, ...extra });
  return { repo: join(tree, "repo"), outside: join(tree, "outside") };
}

test("a chart is detected by Chart.yaml and templated as the Application's release in its namespace, CRDs included", async (t) => {
  const { repo: dir } = await repo(t);
  assert.equal(await sourceTypeOf(dir, source("charts/web")), "helm");
  const rendered = await render(dir, source("charts/web"), context());
  const settings = settingsOf(rendered);
  assert.equal(settings.metadata?.name, "demo-settings");
  assert.equal(settings.metadata?.namespace, "team");
  assert.deepEqual(settings.data, {
    color: "red",
    size: "small",
    shape: "round",
    label: "none",
    replicas: "number",
  });
  assert.ok(rendered.some((r) => r.object.kind === "CustomResourceDefinition"));
  assert.equal(rendered[0]?.file, "helm template charts/web");

  const named = await render(dir, source("charts/web", { releaseName: "shop", skipCrds: true }), context());
  assert.equal(settingsOf(named).metadata?.name, "shop-settings");
  assert.ok(!named.some((r) => r.object.kind === "CustomResourceDefinition"), "skipCrds leaves CRDs out");
});

test("values layer as in Argo CD: chart defaults, value files, values or valuesObject, then parameters", async (t) => {
  const { repo: dir } = await repo(t);
  const helm = {
    valueFiles: ["values-prod.yaml", "../../shared/common.yaml"],
    values: "color: green\nlabel: from-values\n",
    parameters: [
      { name: "label", value: "a,b" },
      { name: "replicas", value: "3", forceString: true },
    ],
  };
  const settings = settingsOf(await render(dir, source("charts/web", helm), context()));
  assert.deepEqual(settings.data, {
    color: "green",
    size: "large",
    shape: "square",
    label: "a,b",
    replicas: "string",
  });
  const withObject = { ...helm, valuesObject: { color: "blue" }, parameters: [] };
  const fromObject = settingsOf(await render(dir, source("charts/web", withObject), context()));
  assert.equal(fromObject.data.color, "blue", "valuesObject wins over values");
  assert.equal(fromObject.data.label, "none", "values is ignored when valuesObject is set");
  assert.equal(setValue("{a,b}"), "{a,b}", "a Helm list stays a list");
  assert.equal(setValue("x\\,y,z"), "x\\,y\\,z");
});

test("value files must stay in the repository: .., absolute, URL and symlink are refused; missing ones only with ignoreMissingValueFiles", async (t) => {
  const { repo: dir, outside } = await repo(t);
  for (const [file, why] of [
    ["../../../outside/secret.yaml", /valueFiles "..\/..\/..\/outside\/secret.yaml" leaves the repository/],
    ["/etc/passwd", /valueFiles "\/etc\/passwd" must be relative to the repository/],
    ["https://example.com/values.yaml", /valueFiles "https:\/\/example.com\/values.yaml" is a URL/],
    ["missing.yaml", /valueFiles "missing.yaml" does not exist in the repository/],
  ] as const)
    await assert.rejects(render(dir, source("charts/web", { valueFiles: [file] }), context()), why, file);
  const tolerant = { valueFiles: ["missing.yaml", "values-prod.yaml"], ignoreMissingValueFiles: true };
  assert.equal(settingsOf(await render(dir, source("charts/web", tolerant), context())).data.size, "large");

  await symlink(join(outside, "secret.yaml"), join(dir, "charts/web/linked.yaml"));
  await assert.rejects(
    render(dir, source("charts/web", { valueFiles: ["linked.yaml"] }), context()),
    (e: Error) =>
      e instanceof RenderError && /charts\/web\/linked.yaml is a symlink that leads out/.test(e.message),
  );
});

test("dependencies must be vendored in charts/: a vendored one renders, a missing one is refused", async (t) => {
  const withDependency = (name: string) =>
    `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: ${name}\n    version: 1.0.0\n    repository: https://charts.example.com\n`;
  const { repo: dir } = await repo(t, {
    "repo/charts/web/Chart.yaml": withDependency("cache"),
    "repo/charts/web/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
    "repo/charts/web/charts/cache/templates/cm.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cache\n",
    "repo/charts/lonely/Chart.yaml": withDependency("postgres"),
  });
  const rendered = await render(dir, source("charts/web"), context());
  assert.ok(rendered.some((r) => r.object.metadata?.name === "demo-cache"));
  await assert.rejects(
    render(dir, source("charts/lonely"), context()),
    /helm chart "charts\/lonely": dependency "postgres" is not vendored in charts\/; .*without network/,
  );
});

test("a failing template is a RenderError carrying helm's own message", async (t) => {
  const { repo: dir } = await repo(t, {
    "repo/charts/web/templates/needs.yaml":
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: needs\ndata:\n  v: {{ required "owner is required" .Values.owner }}\n',
  });
  await assert.rejects(
    render(dir, source("charts/web"), context()),
    /^RenderError: helm template charts\/web failed: Error: execution error at \(web\/templates\/needs.yaml:6:\d+\): owner is required/,
  );
});

test("helm runs with a private home and none of the controller's environment", async (t) => {
  const { repo: dir, outside } = await repo(t);
  const envFile = join(outside, "env");
  const recording = join(outside, "recording-helm");
  await writeFile(recording, `#!/bin/sh\nenv > '${envFile}'\nexec '${binaryPaths().helm}' "$@"\n`);
  await chmod(recording, 0o755);
  process.env.SLUICE_TEST_TOKEN = "do-not-pass-on";
  t.after(() => delete process.env.SLUICE_TEST_TOKEN);
  await render(dir, source("charts/web"), context(testRenderTools({ helmPath: recording })));
  const env = Object.fromEntries(
    (await readFile(envFile, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  assert.equal(env.SLUICE_TEST_TOKEN, undefined);
  assert.equal(env.KUBECONFIG, undefined);
  for (const home of ["HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"])
    assert.ok(env[home]?.startsWith(env.HOME ?? "?"), `${home} is under the private HOME`);
  assert.notEqual(env.HOME, process.env.HOME);
});
