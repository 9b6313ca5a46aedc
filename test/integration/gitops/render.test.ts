// Kustomize and Helm sources against a real git repository and the real API server: an overlay on
// a base and a local chart render (with the harness's kustomize and helm) and are applied with the
// names and labels their options give; a chart that fails to render leaves a ComparisonError with
// helm's own message, and what was applied stays as it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Applications, ConfigMaps, Events, Services } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { application, gitopsSetUp, repository } from "../../helpers/gitops.ts";

type ConfigMap = KubeObject & { data?: Record<string, string> };

test("a kustomize overlay on a base renders with its own and the Application's options and is applied", async (t) => {
  const repo = await repository(t);
  const sha = await repo.commit(
    {
      "base/kustomization.yaml": "resources: [settings.yaml, service.yaml]\n",
      "base/settings.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: base\n",
      "base/service.yaml":
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports: [{ port: 80 }]\n",
      "app/kustomization.yaml":
        "resources: [../base]\nnamePrefix: prod-\ncommonLabels: { tier: web }\npatches:\n  - path: mode.yaml\n",
      "app/mode.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n",
    },
    "overlay",
  );
  const { namespace, client, until } = await gitopsSetUp(t, "render-kustomize");
  const app = application(namespace, repo.url);
  app.spec = {
    ...app.spec,
    source: { ...app.spec?.source, kustomize: { nameSuffix: "-v1", commonLabels: { team: "blue" } } },
  };
  await client.create(Applications, app, "test");
  const synced = await until(
    "Synced",
    (a) => a.status?.sync?.status === "Synced" && a.status.sync.revision === sha,
  );
  assert.deepEqual(synced.status?.resources?.map((r) => `${r.kind}/${r.name}`).sort(), [
    "ConfigMap/prod-settings-v1",
    "Service/prod-web-v1",
  ]);
  const settings = await client.get<ConfigMap>(ConfigMaps, { namespace, name: "prod-settings-v1" });
  assert.equal(settings.data?.mode, "prod");
  assert.equal(settings.metadata?.labels?.tier, "web");
  assert.equal(settings.metadata?.labels?.team, "blue");
  assert.equal(settings.metadata?.labels?.["sluice.dev/application"], "demo");
  const service = await client.get<KubeObject & { spec?: { selector?: Record<string, string> } }>(Services, {
    namespace,
    name: "prod-web-v1",
  });
  assert.deepEqual(service.spec?.selector, { app: "web", team: "blue", tier: "web" });
});

test("a local Helm chart renders as the Application's release with its values and is applied; a broken chart is a ComparisonError with helm's message", async (t) => {
  const repo = await repository(t);
  const template = (extra = "") =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\n  labels: { color: {{ .Values.color }} }\ndata:\n  color: {{ .Values.color | quote }}\n  size: {{ .Values.size | quote }}\n${extra}`;
  const sha = await repo.commit(
    {
      "app/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
      "app/values.yaml": "color: red\nsize: small\n",
      "app/values-prod.yaml": "size: large\n",
      "app/templates/settings.yaml": template(),
    },
    "chart",
  );
  const { namespace, client, until, refresh } = await gitopsSetUp(t, "render-helm");
  const app = application(namespace, repo.url);
  app.spec = {
    ...app.spec,
    source: {
      ...app.spec?.source,
      helm: { valueFiles: ["values-prod.yaml"], valuesObject: { color: "blue" } },
    },
  };
  await client.create(Applications, app, "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced" && a.status.sync.revision === sha);
  const settings = await client.get<ConfigMap>(ConfigMaps, { namespace, name: "demo-settings" });
  assert.deepEqual(settings.data, { color: "blue", size: "large" });
  assert.equal(settings.metadata?.labels?.color, "blue");

  await repo.commit(
    {
      "app/templates/settings.yaml": template('  owner: {{ required "owner is required" .Values.owner }}\n'),
    },
    "broken",
  );
  await refresh();
  const failed = await until(
    "ComparisonError",
    (a) => a.status?.conditions?.some((c) => c.type === "ComparisonError") ?? false,
  );
  const message = failed.status?.conditions?.find((c) => c.type === "ComparisonError")?.message ?? "";
  assert.match(message, /^helm template app failed: Error: execution error at .*owner is required/);
  assert.equal(failed.status?.sync?.status, "Unknown");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some((e) => e.reason === "ComparisonError" && e.message?.includes("owner is required")),
  );
  const after = await client.get<ConfigMap>(ConfigMaps, { namespace, name: "demo-settings" });
  assert.deepEqual(after.data, { color: "blue", size: "large" }, "what was applied stays as it was");
});
