// The Git core's first slice against a real git repository and the real API server: an Application
// with automated sync applies what its path holds (tracking label, field manager sluice-gitops),
// follows a new commit on refresh, applies nothing when one object is invalid, and says why when
// it cannot read its source; without automation it waits for a sync operation.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { isNotFound } from "../../../src/kube/errors.ts";
import { Applications, ConfigMaps, Events, Namespaces } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { application, configMap, deploymentYaml, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("automated sync applies the path, follows a new commit on refresh, and applies nothing when one object is invalid", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit(
    { "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1"), "README.md": "x" },
    "first",
  );
  const { namespace, client, until, refresh, configMapValue, sluice } = await gitopsSetUp(t, "app-sync");
  await client.create(Applications, application(namespace, repo.url), "test");
  const synced = await until(
    "Synced at the first commit",
    (a) => a.status?.sync?.status === "Synced" && a.status.sync.revision === first,
  );
  assert.equal(synced.status?.operationState?.phase, "Succeeded");
  assert.deepEqual(synced.status?.resources?.map((r) => `${r.kind}/${r.name}`).sort(), [
    "ConfigMap/a",
    "ConfigMap/b",
  ]);
  const metrics = await (await fetch(`http://127.0.0.1:${sluice.metricsPort}/metrics`)).text();
  const info = metrics
    .split("\n")
    .find((l) => l.startsWith("sluice_app_info{") && l.includes(`namespace="${namespace}"`));
  assert.match(info ?? "", /sync_status="Synced"/, "sluice_app_info carries the sync status");
  assert.match(info ?? "", new RegExp(`repo="${repo.url}"`));
  assert.match(
    metrics,
    new RegExp(`sluice_app_sync_total\\{namespace="${namespace}",name="demo",phase="Succeeded"\\} 1`),
  );
  assert.match(metrics, /sluice_git_request_total\{repo="file:\/\/[^"]+",request="clone",result="ok"\} \d/);
  assert.match(metrics, /sluice_render_duration_seconds_count\{renderer="directory",result="ok"\} [1-9]/);
  const a = await client.get<KubeObject>(ConfigMaps, { namespace, name: "a" });
  assert.equal(a.metadata?.labels?.["sluice.dev/application"], "demo");
  assert.equal(a.metadata?.annotations?.["sluice.dev/tracking-id"], `demo:/ConfigMap:${namespace}/a`);

  const second = await repo.commit({ "app/a.yaml": configMap("a", "2") }, "second");
  await refresh();
  const next = await until(
    "Synced at the second commit, the refresh annotation taken off",
    (x) =>
      x.status?.sync?.revision === second &&
      x.status.sync.status === "Synced" &&
      x.metadata?.annotations?.["argocd.argoproj.io/refresh"] === undefined,
  );
  assert.equal(await configMapValue("a"), "2");
  assert.equal(
    next.metadata?.annotations?.["argocd.argoproj.io/refresh"],
    undefined,
    "the refresh annotation is taken off",
  );

  // One invalid object among several: none is applied, status names it.
  const bad = `apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: 99999999\n`;
  await repo.commit(
    { "app/a.yaml": configMap("a", "3"), "app/c.yaml": configMap("c", "1"), "app/z.yaml": bad },
    "third",
  );
  await refresh();
  const failed = await until("the sync failed", (x) => x.status?.operationState?.phase === "Failed");
  assert.match(failed.status?.operationState?.message ?? "", /Service\/broken: .*(port|Invalid)/i);
  assert.equal(await configMapValue("a"), "2", "nothing of the failed revision was applied");
  assert.equal(await configMapValue("c"), undefined);
  const events = await client.list<KubeObject & { reason?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "SyncFailed"));
});

test("a source that cannot be read is a ComparisonError naming why, and nothing is applied", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until } = await gitopsSetUp(t, "app-bad");
  const cases: [Partial<Application["spec"]>, RegExp][] = [
    [
      { source: { repoURL: repo.url, targetRevision: "no-such-branch", path: "app" } },
      /revision "no-such-branch" not found/,
    ],
    [
      { source: { repoURL: repo.url, targetRevision: "main", path: "../.." } },
      /source.path "..\/.." leaves the repository/,
    ],
    [{ source: { repoURL: "file:///nonexistent/repo", path: "app" } }, /git clone/],
  ];
  for (const [spec, why] of cases) {
    await client.delete(Applications, { namespace, name: "demo" }).catch(() => undefined);
    await waitFor("deleted", async () => {
      try {
        await client.get(Applications, { namespace, name: "demo" });
        return pending("still there");
      } catch (error) {
        return isNotFound(error) ? true : pending(String(error));
      }
    });
    await client.create(Applications, application(namespace, repo.url, spec), "test");
    const app = await until(
      `ComparisonError ${why}`,
      (a) => a.status?.conditions?.some((c) => c.type === "ComparisonError") ?? false,
    );
    assert.match(app.status?.conditions?.find((c) => c.type === "ComparisonError")?.message ?? "", why);
    assert.equal(app.status?.sync?.status, "Unknown");
  }
});

test("without automated sync the Application is OutOfSync until a sync operation, which is then cleared", async (t) => {
  const repo = await repository(t);
  const sha = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, configMapValue } = await gitopsSetUp(t, "app-manual");
  await client.create(Applications, application(namespace, repo.url, { syncPolicy: {} }), "test");
  await until("OutOfSync", (a) => a.status?.sync?.status === "OutOfSync" && a.status.sync.revision === sha);
  assert.equal(await configMapValue("a"), undefined, "nothing applied without a sync");
  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { operation: { sync: {}, initiatedBy: { username: "test" } } },
    "test",
  );
  await until(
    "Synced by the operation, which is then cleared",
    (a) => a.status?.sync?.status === "Synced" && a.operation === undefined,
  );
  assert.equal(await configMapValue("a"), "1");
});

test("Argo CD fields sluice does not implement yet are named, never ignored", async (t) => {
  const { namespace, client, until } = await gitopsSetUp(t, "app-invalid");
  await client.create(
    Applications,
    application(namespace, "https://example.com/repo.git", {
      syncPolicy: { automated: { prune: true }, retry: { limit: 2.5 }, syncOptions: ["Delete=confirm"] },
      sources: [{ repoURL: "https://example.com/other.git" }],
      project: "team",
    }),
    "test",
  );
  const app = await until(
    "InvalidSpecError",
    (a) => a.status?.conditions?.some((c) => c.type === "InvalidSpecError") ?? false,
  );
  const message = app.status?.conditions?.find((c) => c.type === "InvalidSpecError")?.message ?? "";
  for (const want of [
    /spec.project: only the default project/,
    /spec.sources is not supported yet/,
    /spec.syncPolicy.retry.limit: must be an integer/,
    /spec.syncPolicy.syncOptions\[0\]: sync option "Delete=confirm" is not supported yet/,
  ])
    assert.match(message, want);
});

test("health: a Deployment from Git reports Healthy once its pods are Ready, and so does the Application", async (t) => {
  const repo = await repository(t);
  const deployment = deploymentYaml(2);
  const sha = await repo.commit({ "app/web.yaml": deployment, "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until } = await gitopsSetUp(t, "app-health");
  await client.create(Applications, application(namespace, repo.url), "test");
  const healthy = await until(
    "Synced and Healthy",
    (a) => a.status?.sync?.revision === sha && a.status.health?.status === "Healthy",
  );
  const web = healthy.status?.resources?.find((r) => r.kind === "Deployment");
  assert.equal(web?.health?.status, "Healthy");
});

test("a look that is not a refresh reuses the last reading: a new commit waits for the refresh or the poll", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, refresh, configMapValue, lookAgain } = await gitopsSetUp(t, "app-poll");
  await client.create(Applications, application(namespace, repo.url), "test");
  const synced = await until(
    "Synced at the first commit",
    (a) => a.status?.sync?.revision === first && a.status.sync.status === "Synced",
  );
  const second = await repo.commit({ "app/a.yaml": configMap("a", "2") }, "second");
  // Any change to the Application makes a look; only a refresh (or the poll) reads Git again.
  const looked = await lookAgain();
  assert.equal(looked.status?.sync?.revision, first, "the new commit is not read without a refresh");
  assert.equal(
    looked.status?.reconciledAt,
    synced.status?.reconciledAt,
    "reconciledAt: the last reading of Git",
  );
  assert.equal(await configMapValue("a"), "1");
  await refresh();
  await until("Synced at the second commit after the refresh", (a) => a.status?.sync?.revision === second);
  assert.equal(await configMapValue("a"), "2");
});

test("after a refresh that cannot read the new commit, later looks keep the error (never the older reading)", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, refresh, lookAgain } = await gitopsSetUp(t, "app-kept-error");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.revision === first && a.status.sync.status === "Synced");
  await repo.commit({ "app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n" }, "broken");
  await refresh();
  await until(
    "ComparisonError",
    (a) => a.status?.conditions?.some((c) => c.type === "ComparisonError") ?? false,
  );
  const looked = await lookAgain();
  assert.equal(looked.status?.sync?.status, "Unknown", JSON.stringify(looked.status?.sync));
  assert.match(
    looked.status?.conditions?.find((c) => c.type === "ComparisonError")?.message ?? "",
    /a\.yaml/,
  );
});

test("a CustomResourceDefinition and objects of its kind in one commit: the CRD first, the objects once it is served", async (t) => {
  const group = `g${Math.random().toString(36).slice(2, 8)}.sluice.test`;
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
  const widget = `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: first\nspec:\n  size: 3\n`;
  const repo = await repository(t);
  const sha = await repo.commit({ "app/crd.yaml": crd, "app/widget.yaml": widget }, "operator");
  const { namespace, client, until } = await gitopsSetUp(t, "app-crd");
  const Widgets = { group, version: "v1", plural: "widgets", kind: "Widget", namespaced: true };
  const Crds = {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
  };
  t.after(() => client.delete(Crds, { name: `widgets.${group}` }).catch(() => undefined));
  await client.create(Applications, application(namespace, repo.url), "test");
  const synced = await until(
    "Synced and Healthy",
    (a) =>
      a.status?.sync?.revision === sha &&
      a.status.sync.status === "Synced" &&
      a.status.health?.status === "Healthy",
  );
  assert.deepEqual(
    synced.status?.resources?.map((r) => `${r.kind}/${r.name}`),
    [`CustomResourceDefinition/widgets.${group}`, "Widget/first"],
  );
  const live = await client.get<KubeObject & { spec?: { size?: number } }>(Widgets, {
    namespace,
    name: "first",
  });
  assert.equal(live.spec?.size, 3);
  assert.equal(live.metadata?.labels?.["sluice.dev/application"], "demo");
});

test("CreateNamespace=true creates the destination namespace before applying into it", async (t) => {
  const repo = await repository(t);
  const sha = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until } = await gitopsSetUp(t, "app-create-ns", {}, { allNamespaces: true });
  const destination = `${namespace}-dest`;
  t.after(() => client.delete(Namespaces, { name: destination }).catch(() => undefined));
  const app = application(namespace, repo.url, {
    syncPolicy: {
      automated: {},
      syncOptions: ["CreateNamespace=true"],
      managedNamespaceMetadata: { labels: { team: "web" }, annotations: { owner: "web-team" } },
    },
  });
  app.spec = {
    ...app.spec,
    destination: { server: "https://kubernetes.default.svc", namespace: destination },
  };
  await client.create(Applications, app, "test");
  await until("Synced", (a) => a.status?.sync?.revision === sha && a.status.sync.status === "Synced");
  const a = await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, {
    namespace: destination,
    name: "a",
  });
  assert.equal(a.data?.value, "1");
  const created = await client.get<KubeObject>(Namespaces, { name: destination });
  assert.equal(created.metadata?.labels?.team, "web", "managedNamespaceMetadata labels");
  assert.equal(created.metadata?.annotations?.owner, "web-team");
});

test("a Namespace kept in Git with the objects in it: the first sync creates it, then applies into it", async (t) => {
  const { namespace, client, until } = await gitopsSetUp(t, "app-own-ns", {}, { allNamespaces: true });
  const destination = `${namespace}-own`;
  t.after(() => client.delete(Namespaces, { name: destination }).catch(() => undefined));
  const repo = await repository(t);
  const ns = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${destination}\n`;
  const sha = await repo.commit(
    { "app/ns.yaml": ns, "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "2") },
    "first",
  );
  const app = application(namespace, repo.url, { syncPolicy: { automated: {} } });
  app.spec = {
    ...app.spec,
    destination: { server: "https://kubernetes.default.svc", namespace: destination },
  };
  await client.create(Applications, app, "test");
  const synced = await until(
    "Synced",
    (a) =>
      (a.status?.sync?.revision === sha && a.status.sync.status === "Synced") ||
      a.status?.operationState?.phase === "Failed",
  );
  assert.equal(synced.status?.operationState?.phase, "Succeeded", synced.status?.operationState?.message);
  for (const [name, value] of [
    ["a", "1"],
    ["b", "2"],
  ] as const) {
    const live = await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, {
      namespace: destination,
      name,
    });
    assert.equal(live.data?.value, value);
  }
});

test("sync options: Replace=true replaces instead of applying; FailOnSharedResource=true refuses an object another Application tracks", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1") }, "first");
  const { namespace, client, until } = await gitopsSetUp(t, "app-options");
  // b is already tracked by another Application.
  await client.create(
    ConfigMaps,
    {
      metadata: { name: "b", namespace, labels: { "sluice.dev/application": "other" } },
      data: { value: "theirs" },
    },
    "other",
  );
  await client.create(
    Applications,
    application(namespace, repo.url, {
      syncPolicy: { automated: {}, syncOptions: ["FailOnSharedResource=true"] },
    }),
    "test",
  );
  const refused = await until("the sync failed", (a) => a.status?.operationState?.phase === "Failed");
  assert.match(
    refused.status?.operationState?.message ?? "",
    /ConfigMap\/b \(Application other\).*FailOnSharedResource/,
  );
  assert.match(
    refused.status?.conditions?.find((c) => c.type === "SharedResourceWarning")?.message ?? "",
    /ConfigMap\/b \(Application other\)/,
  );
  const theirs = await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, {
    namespace,
    name: "b",
  });
  assert.equal(theirs.data?.value, "theirs", "not taken over");
  // Replace=true (as an operation's option): a create or a whole replace, not a server-side apply.
  await client.delete(ConfigMaps, { namespace, name: "b" });
  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { operation: { sync: { syncOptions: ["Replace=true"] } } },
    "test",
  );
  await until(
    "Synced by the operation",
    (a) => a.status?.sync?.status === "Synced" && a.operation === undefined,
  );
  const replaced = await client.get<KubeObject>(ConfigMaps, { namespace, name: "a" });
  const ours = (replaced.metadata?.managedFields ?? []).filter((f) => f.manager === "sluice-gitops");
  assert.ok(
    ours.some((f) => f.operation === "Update"),
    JSON.stringify(ours),
  );
});
