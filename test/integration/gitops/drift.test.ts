// Drift, self-heal and prune against a real git repository and the real API server: an edit of a
// managed field is healed within seconds with selfHeal and only shown without; fields other
// writers own (an HPA's replicas through /scale, a label another manager adds) are not drift; a
// file deleted from Git is pruned only when prune is on, only if the object is provably the
// Application's, and never all at once by an automated sync without allowEmpty.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applicationControllerWith } from "../../../src/gitops/controller.ts";
import { Applications, ConfigMaps, Events, type ResourceType } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { application, configMap, deploymentYaml, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

type ConfigMap = KubeObject & { data?: Record<string, string> };

const Deployments: ResourceType = {
  group: "apps",
  version: "v1",
  plural: "deployments",
  kind: "Deployment",
  namespaced: true,
};
const HPAs: ResourceType = {
  group: "autoscaling",
  version: "v2",
  plural: "horizontalpodautoscalers",
  kind: "HorizontalPodAutoscaler",
  namespaced: true,
};

const deployment = deploymentYaml;

test("selfHeal: a hand edit of a managed field is reverted within 10 s and the Application is Synced again", async (t) => {
  const repo = await repository(t);
  const sha = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, configMapValue } = await gitopsSetUp(t, "drift-heal");
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { selfHeal: true } } }),
    "test",
  );
  await until("Synced", (a) => a.status?.sync?.status === "Synced" && a.status.sync.revision === sha);
  const editedAt = Date.now();
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "a" },
    { data: { value: "hand-edited" } },
    "kubectl-edit",
  );
  await waitFor(
    "the edit reverted",
    async () => ((await configMapValue("a")) === "1" ? true : pending(String(await configMapValue("a")))),
    { timeoutMs: 10_000 },
  );
  assert.ok(Date.now() - editedAt < 10_000);
  const healed = await until("Synced after the heal", (a) => a.status?.sync?.status === "Synced");
  assert.equal(healed.status?.operationState?.phase, "Succeeded");
  assert.deepEqual(healed.status?.operationState?.operation?.initiatedBy, { automated: true });

  // Deleted by hand: re-created too.
  await client.delete(ConfigMaps, { namespace, name: "a" });
  await waitFor("re-created", async () => ((await configMapValue("a")) === "1" ? true : pending("missing")), {
    timeoutMs: 10_000,
  });
});

test("without selfHeal an edit makes the Application OutOfSync, naming the object, and is left alone", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1") }, "first");
  const { namespace, client, until, configMapValue } = await gitopsSetUp(t, "drift-show");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "a" },
    { data: { value: "hand-edited" } },
    "kubectl-edit",
  );
  const drifted = await until("OutOfSync", (a) => a.status?.sync?.status === "OutOfSync");
  const a = drifted.status?.resources?.find((r) => r.name === "a");
  const b = drifted.status?.resources?.find((r) => r.name === "b");
  assert.equal(a?.status, "OutOfSync");
  assert.match(a?.message ?? "", /\/data\/value/);
  assert.equal(b?.status, "Synced");
  assert.equal(await configMapValue("a"), "hand-edited", "not reverted without selfHeal");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "OutOfSync" && /ConfigMap\/a/.test(e.message ?? "")));
});

test("fields other writers own are not drift: an HPA's replicas through /scale, a label another manager adds", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/web.yaml": deployment(1) }, "first");
  const { namespace, client, until, lookAgain } = await gitopsSetUp(t, "drift-owners");
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { selfHeal: true } } }),
    "test",
  );
  const synced = await until("Synced", (a) => a.status?.sync?.status === "Synced");
  const hpa = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 3,
      maxReplicas: 5,
    },
  };
  // The HPA controller (kube-controller-manager) raises replicas to minReplicas through /scale.
  await client.create(HPAs, hpa, "platform-team");
  await waitFor("scaled by the HPA", async () => {
    const d = await client.get<KubeObject & { spec?: { replicas?: number } }>(Deployments, {
      namespace,
      name: "web",
    });
    return d.spec?.replicas === 3 ? true : pending(`replicas ${d.spec?.replicas}`);
  });
  await client.mergePatch(
    Deployments,
    { namespace, name: "web" },
    { metadata: { labels: { team: "a" } } },
    "labeller",
  );
  // A later look (a change to the Application) still finds it Synced, and did not scale back.
  const looked = await lookAgain();
  assert.equal(looked.status?.sync?.status, "Synced", JSON.stringify(looked.status?.resources));
  assert.equal(
    looked.status?.operationState?.finishedAt,
    synced.status?.operationState?.finishedAt,
    "no sync ran",
  );
  const d = await client.get<KubeObject & { spec?: { replicas?: number } }>(Deployments, {
    namespace,
    name: "web",
  });
  assert.equal(d.spec?.replicas, 3);
  assert.equal(d.metadata?.labels?.team, "a");
});

test("a file deleted from Git is pruned only with prune on; a copy that is not provably ours never is", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1") }, "first");
  const { namespace, client, until, refresh, configMapValue } = await gitopsSetUp(t, "prune");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  // Someone copies b's tracking metadata onto their own object: it names b, not itself.
  await client.create<ConfigMap>(
    ConfigMaps,
    {
      metadata: {
        name: "copy",
        namespace,
        labels: { "sluice.dev/application": "demo" },
        annotations: { "sluice.dev/tracking-id": `demo:/ConfigMap:${namespace}/b` },
      },
      data: { value: "mine" },
    },
    "other-tool",
  );
  const second = await repo.commit({ "app/b.yaml": null }, "drop b");
  await refresh();
  const waiting = await until(
    "b requires pruning",
    (a) => a.status?.sync?.revision === second && (a.status.resources ?? []).some((r) => r.requiresPruning),
  );
  assert.equal(waiting.status?.sync?.status, "OutOfSync");
  assert.equal(await configMapValue("b"), "1", "not pruned while prune is off");
  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { spec: { syncPolicy: { automated: { prune: true } } } },
    "test",
  );
  await waitFor("b pruned", async () =>
    (await configMapValue("b")) === undefined ? true : pending("b exists"),
  );
  const synced = await until("Synced after the prune", (a) => a.status?.sync?.status === "Synced");
  assert.deepEqual(
    synced.status?.resources?.map((r) => r.name),
    ["a"],
  );
  assert.equal(await configMapValue("copy"), "mine", "an object that is not provably ours is never pruned");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "Pruned" && /ConfigMap\/b/.test(e.message ?? "")));
});

test("an automated sync that would prune everything is refused without allowEmpty; nothing is deleted", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const { namespace, client, until, refresh, configMapValue } = await gitopsSetUp(t, "prune-empty");
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { prune: true } } }),
    "test",
  );
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  await repo.commit({ "app/a.yaml": null, "app/README.md": "nothing here" }, "empty");
  await refresh();
  const refused = await until(
    "SyncError",
    (a) => a.status?.conditions?.some((c) => c.type === "SyncError") ?? false,
  );
  assert.match(refused.status?.conditions?.find((c) => c.type === "SyncError")?.message ?? "", /allowEmpty/);
  assert.equal(await configMapValue("a"), "1", "nothing pruned");
  const events = await client.list<KubeObject & { reason?: string }>(Events, { namespace });
  assert.ok(events.items.some((e) => e.reason === "SyncError"));
  // With allowEmpty the same change goes through.
  await client.mergePatch(
    Applications,
    { namespace, name: "demo" },
    { spec: { syncPolicy: { automated: { prune: true, allowEmpty: true } } } },
    "test",
  );
  await waitFor("a pruned", async () =>
    (await configMapValue("a")) === undefined ? true : pending("a exists"),
  );
});

test("ignoreDifferences: a JSON pointer and a field manager's fields are not drift, so selfHeal leaves them", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1") }, "first");
  const { namespace, client, until, configMapValue, lookAgain } = await gitopsSetUp(t, "drift-ignore");
  await client.create(
    Applications,
    application(namespace, repo.url, {
      syncPolicy: { automated: { selfHeal: true } },
      ignoreDifferences: [
        { group: "", kind: "ConfigMap", name: "a", jsonPointers: ["/data/value"] },
        { kind: "ConfigMap", name: "b", managedFieldsManagers: ["vault-injector"] },
      ],
    }),
    "test",
  );
  const synced = await until("Synced", (a) => a.status?.sync?.status === "Synced");
  await client.mergePatch(ConfigMaps, { namespace, name: "a" }, { data: { value: "tuned" } }, "kubectl-edit");
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "b" },
    { data: { value: "injected" } },
    "vault-injector",
  );
  const looked = await lookAgain();
  assert.equal(looked.status?.sync?.status, "Synced", JSON.stringify(looked.status?.resources));
  assert.equal(
    looked.status?.operationState?.finishedAt,
    synced.status?.operationState?.finishedAt,
    "no sync ran",
  );
  assert.equal(await configMapValue("a"), "tuned");
  assert.equal(await configMapValue("b"), "injected");
  // The same field written by a manager no rule names is drift again, and healed.
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "b" },
    { data: { value: "by-hand" } },
    "kubectl-edit",
  );
  await waitFor("the hand edit reverted", async () =>
    (await configMapValue("b")) === "1" ? true : pending(String(await configMapValue("b"))),
  );
});

test("a Secret's values never reach the Application's status or Events, drifted or not", async (t) => {
  const secretValue = "s3cr3t-value-9f2c";
  const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: ${secretValue}\n`;
  const repo = await repository(t);
  await repo.commit({ "app/secret.yaml": secret }, "secret");
  const { namespace, client, until } = await gitopsSetUp(t, "drift-secret");
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  const Secrets: ResourceType = {
    group: "",
    version: "v1",
    plural: "secrets",
    kind: "Secret",
    namespaced: true,
  };
  const edited = Buffer.from("hand-set-4d1a").toString("base64");
  await client.mergePatch(
    Secrets,
    { namespace, name: "creds" },
    { data: { password: edited } },
    "kubectl-edit",
  );
  const drifted = await until("OutOfSync", (a) => a.status?.sync?.status === "OutOfSync");
  assert.match(JSON.stringify(drifted.status?.resources), /\/data\/password/, "the drifted key is named");
  const events = await client.list<KubeObject & { message?: string }>(Events, { namespace });
  const seen = JSON.stringify([drifted.status, events.items.map((e) => e.message)]);
  for (const value of [secretValue, Buffer.from(secretValue).toString("base64"), "hand-set-4d1a", edited])
    assert.ok(!seen.includes(value), `a Secret value leaked: ${value}`);
});

test("after a controller restart, objects it lists at start are still provably its own: a file deleted meanwhile is pruned", async (t) => {
  const repo = await repository(t);
  await repo.commit({ "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1") }, "first");
  const { namespace, client, until, configMapValue, sluice } = await gitopsSetUp(t, "prune-restart");
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { prune: true } } }),
    "test",
  );
  await until("Synced", (a) => a.status?.sync?.status === "Synced");
  await sluice.stop();
  await repo.commit({ "app/b.yaml": null }, "drop b");
  // A new controller: its informers list a and b (list items carry no kind of their own).
  await startSluice(t, [applicationControllerWith({ namespace, pollMs: 60_000 })], { namespace });
  await waitFor("b pruned by the new controller", async () =>
    (await configMapValue("b")) === undefined ? true : pending("b exists"),
  );
  assert.equal(await configMapValue("a"), "1");
});
