// Deleting an Application on the real cluster. With Argo CD's resources finalizer its objects go in
// reverse sync waves — each wave only once the one before is gone (an object held by a test
// finalizer holds the rest back) — proved from the audit log's delete times; then the Application
// itself is gone. Without the finalizer its objects stay and lose the tracking label and
// annotation. An object of the inventory that another Application now tracks is never touched. A
// delete the API server refuses (an admission policy) is a DeletionError until it goes through.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { isAlreadyExists, isNotFound } from "../../../src/kube/errors.ts";
import { Applications, ConfigMaps, Events, type ResourceType, Secrets } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import {
  type AuditEvent,
  auditMark,
  auditMatches,
  auditUntilNow,
  describeAudit,
  SLUICE_AGENT,
} from "../../helpers/audit.ts";
import { application, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { clockReaches, pending, waitFor } from "../../helpers/wait.ts";

const LABEL = "sluice.dev/application";
const ANNOTATION = "sluice.dev/tracking-id";
const HOLD = "test.sluice.dev/hold";

function manifest(kind: "ConfigMap" | "Secret", name: string, wave: number, finalizers: string[] = []) {
  const held = finalizers.length > 0 ? `  finalizers: [${finalizers.map((f) => `"${f}"`).join(", ")}]\n` : "";
  const data = kind === "Secret" ? `data:\n  value: eA==\n` : `data:\n  value: "x"\n`;
  return `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  annotations:\n    argocd.argoproj.io/sync-wave: "${wave}"\n${held}${data}`;
}

type Setup = Awaited<ReturnType<typeof gitopsSetUp>>;

/** Hands "shared" over to another Application: its label and annotation name that one now. */
async function giveAway(setup: Setup, name: string) {
  await setup.client.mergePatch(
    ConfigMaps,
    { namespace: setup.namespace, name },
    {
      metadata: {
        labels: { [LABEL]: "other" },
        annotations: { [ANNOTATION]: `other:/ConfigMap:${setup.namespace}/${name}` },
      },
    },
    "test",
  );
}

async function gone(what: string, read: () => Promise<unknown>) {
  await waitFor(`${what} gone`, async () => {
    try {
      await read();
      return pending("still there");
    } catch (error) {
      return isNotFound(error) ? true : pending(String(error));
    }
  });
}

/** If the test fails midway, nothing holds the namespace's deletion. */
function releaseOnEnd(t: TestContext, setup: Setup) {
  t.after(async () => {
    const { client, namespace } = setup;
    for (const [type, name] of [
      [ConfigMaps, "w2-held"],
      [Applications, "demo"],
    ] as const)
      await client
        .mergePatch(type, { namespace, name }, { metadata: { finalizers: null } }, "test")
        .catch(() => undefined);
  });
}

const at = (e: AuditEvent) => Date.parse(e.requestReceivedTimestamp ?? "");
const done = (e: AuditEvent) =>
  Date.parse((e as AuditEvent & { stageTimestamp?: string }).stageTimestamp ?? "");

test("with the resources finalizer: reverse sync waves, each after the last is gone, kinds reversed; another Application's object untouched; then the Application is gone", async (t) => {
  const repo = await repository(t);
  await repo.commit(
    {
      "app/w0.yaml": manifest("ConfigMap", "w0", 0),
      "app/w1.yaml": manifest("ConfigMap", "w1", 1),
      "app/w1-secret.yaml": manifest("Secret", "w1-secret", 1),
      "app/w2-held.yaml": manifest("ConfigMap", "w2-held", 2, [HOLD]),
      "app/shared.yaml": manifest("ConfigMap", "shared", 2),
    },
    "three waves",
  );
  const setup = await gitopsSetUp(t, "app-delete");
  const { namespace, client, until } = setup;
  releaseOnEnd(t, setup);
  const app = application(namespace, repo.url);
  app.metadata = { ...app.metadata, finalizers: ["resources-finalizer.argocd.argoproj.io"] };
  await client.create(Applications, app, "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced" && a.status.resources?.length === 5);
  await giveAway(setup, "shared");

  const mark = await auditMark();
  await client.delete(Applications, { namespace, name: "demo" });
  const held = await waitFor("w2-held deleted (held by the test's finalizer)", async () => {
    const o = await client.get<KubeObject>(ConfigMaps, { namespace, name: "w2-held" });
    return o.metadata?.deletionTimestamp ? o : pending("no deletionTimestamp yet");
  });
  // A negative needs a window: three of the controller's 1 s looks while wave 2 is still there.
  await clockReaches(Date.parse(held.metadata?.deletionTimestamp ?? "") + 3_000);
  for (const [type, name] of [
    [ConfigMaps, "w1"],
    [Secrets, "w1-secret"],
    [ConfigMaps, "w0"],
  ] as const) {
    const o = await client.get<KubeObject>(type, { namespace, name });
    assert.equal(o.metadata?.deletionTimestamp, undefined, `${name} waits while wave 2 is not gone`);
  }
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "w2-held" },
    { metadata: { finalizers: null } },
    "test",
  );
  await gone("the Application", () => client.get<Application>(Applications, { namespace, name: "demo" }));
  for (const [type, name] of [
    [ConfigMaps, "w2-held"],
    [ConfigMaps, "w1"],
    [Secrets, "w1-secret"],
    [ConfigMaps, "w0"],
  ] as const)
    await assert.rejects(client.get(type, { namespace, name }), isNotFound, `${name} is deleted`);
  const shared = await client.get<KubeObject>(ConfigMaps, { namespace, name: "shared" });
  assert.equal(shared.metadata?.labels?.[LABEL], "other", "another Application's object stays");

  const log = await auditUntilNow(mark, namespace);
  // Dry runs (the comparison with live) write nothing.
  const bySluice = log.filter(
    (e) => auditMatches(e, { namespace, userAgent: SLUICE_AGENT }) && !e.requestURI.includes("dryRun"),
  );
  const deletes = bySluice
    .filter((e) => auditMatches(e, { verbs: ["delete"], succeeded: true }))
    .sort((a, b) => at(a) - at(b));
  assert.deepEqual(
    deletes.map((e) => `${e.objectRef?.resource}/${e.objectRef?.name}`),
    ["configmaps/w2-held", "configmaps/w1", "secrets/w1-secret", "configmaps/w0"],
    "reverse waves, kinds reversed within wave 1",
  );
  assert.deepEqual(
    bySluice.filter((e) => e.objectRef?.name === "shared").map(describeAudit),
    [],
    "no write to another Application's object",
  );
  const [w2, w1, w1Secret, w0] = deletes;
  const released = log.find((e) =>
    auditMatches(e, { namespace, name: "w2-held", fieldManager: "test", verbs: ["patch"], succeeded: true }),
  );
  assert.ok(w2 && w1 && w1Secret && w0 && released);
  assert.ok(at(released) < at(w1), "wave 1 is deleted only once wave 2 is gone");
  // Wave 1 is gone when the garbage collector's patch ends its foreground delete (the object goes
  // with that write).
  const collected = log.filter(
    (e) =>
      auditMatches(e, {
        namespace,
        verbs: ["patch"],
        userAgent: "kube-controller-manager",
        succeeded: true,
      }) && ["w1", "w1-secret"].includes(e.objectRef?.name ?? ""),
  );
  assert.equal(collected.length, 2, "both of wave 1 were deleted in the foreground");
  const wave1Gone = Math.max(...collected.map(done));
  assert.ok(wave1Gone <= at(w0), "wave 0 is deleted only once wave 1 is gone");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some(
      (e) =>
        e.reason === "ResourceDeleted" &&
        /sync wave 1: ConfigMap\/w1, Secret\/w1-secret/.test(e.message ?? ""),
    ),
    "an Event per wave names what it deletes",
  );
});

test("without the finalizer: the objects stay and lose the tracking label and annotation; another Application's object is untouched", async (t) => {
  const repo = await repository(t);
  await repo.commit(
    {
      "app/a.yaml": manifest("ConfigMap", "a", 0),
      "app/b.yaml": manifest("ConfigMap", "b", 1),
      "app/shared.yaml": manifest("ConfigMap", "shared", 0),
    },
    "objects",
  );
  const setup = await gitopsSetUp(t, "app-orphan");
  const { namespace, client, until } = setup;
  await client.create(Applications, application(namespace, repo.url), "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced" && a.status.resources?.length === 3);
  await giveAway(setup, "shared");

  const mark = await auditMark();
  await client.delete(Applications, { namespace, name: "demo" });
  for (const name of ["a", "b"]) {
    const o = await waitFor(`${name} untracked`, async () => {
      const x = await client.get<KubeObject>(ConfigMaps, { namespace, name });
      return x.metadata?.labels?.[LABEL] === undefined ? x : pending(JSON.stringify(x.metadata?.labels));
    });
    assert.equal(o.metadata?.annotations?.[ANNOTATION], undefined, `${name} loses the tracking annotation`);
    assert.equal(o.metadata?.deletionTimestamp, undefined, `${name} is not deleted`);
    assert.equal((o as KubeObject & { data?: Record<string, string> }).data?.value, "x");
  }
  const shared = await client.get<KubeObject>(ConfigMaps, { namespace, name: "shared" });
  assert.equal(shared.metadata?.labels?.[LABEL], "other");
  const log = await auditUntilNow(mark, namespace);
  // Dry runs (the comparison with live) write nothing.
  const bySluice = log.filter(
    (e) => auditMatches(e, { namespace, userAgent: SLUICE_AGENT }) && !e.requestURI.includes("dryRun"),
  );
  assert.deepEqual(
    bySluice
      .filter((e) => e.objectRef?.resource === "configmaps")
      .map(describeAudit)
      .sort(),
    ["patch configmaps/a 200", "patch configmaps/b 200"],
    "one merge patch per owned object, no delete, nothing on the other Application's object",
  );
  assert.ok(
    bySluice.every(
      (e) => e.objectRef?.resource !== "configmaps" || e.requestURI.includes("fieldManager=sluice-gitops"),
    ),
  );
});

const admission = (kind: string, plural: string): ResourceType => ({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind,
  plural,
  namespaced: false,
});
const Policies = admission("ValidatingAdmissionPolicy", "validatingadmissionpolicies");
const PolicyBindings = admission("ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings");
const GUARD = "test.sluice.dev/guard";

/** An admission policy refusing deletes of guarded ConfigMaps in `namespace`, in force when this returns. */
async function guardDeletes(t: TestContext, setup: Setup) {
  const { client, namespace } = setup;
  const name = `sluice-test-guard-${namespace}`;
  t.after(async () => {
    await client.delete(PolicyBindings, { name }).catch(() => undefined);
    await client.delete(Policies, { name }).catch(() => undefined);
  });
  const expression = `!has(oldObject.metadata.labels) || !('${GUARD}' in oldObject.metadata.labels)`;
  await client.create(
    Policies,
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["DELETE"], resources: ["configmaps"] },
          ],
        },
        validations: [{ expression, message: "guarded by the test: not deleted" }],
      },
    } as KubeObject,
    "test",
  );
  await client.create(
    PolicyBindings,
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
      },
    } as KubeObject,
    "test",
  );
  // The API server loads policies asynchronously: a guarded probe is refused once it is in force.
  const probe = { namespace, name: "guard-probe" };
  await waitFor("the admission policy in force", async () => {
    await client
      .create(
        ConfigMaps,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { ...probe, labels: { [GUARD]: "true" } } },
        "test",
      )
      .catch((error: unknown) => {
        if (!isAlreadyExists(error)) throw error;
      });
    try {
      await client.delete(ConfigMaps, probe);
      return pending("the probe was deleted");
    } catch (error) {
      return /guarded by the test/.test(String(error)) ? true : pending(String(error));
    }
  });
  return { release: () => client.delete(PolicyBindings, { name }) };
}

test("a delete the API refuses: DeletionError condition and Event with the API's message, the finalizer stays; once allowed the Application goes", async (t) => {
  const repo = await repository(t);
  const guarded = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n  labels:\n    ${GUARD}: "true"\ndata:\n  value: "x"\n`;
  await repo.commit({ "app/guarded.yaml": guarded }, "guarded");
  const setup = await gitopsSetUp(t, "app-delete-error");
  const { namespace, client, until } = setup;
  releaseOnEnd(t, setup);
  const app = application(namespace, repo.url);
  // sluice's own finalizer this time.
  app.metadata = { ...app.metadata, finalizers: ["sluice.dev/resources-finalizer"] };
  await client.create(Applications, app, "test");
  await until("Synced", (a) => a.status?.sync?.status === "Synced" && a.status.resources?.length === 1);
  const { release } = await guardDeletes(t, setup);

  await client.delete(Applications, { namespace, name: "demo" });
  const refused = await until(
    "DeletionError",
    (a) => a.status?.conditions?.some((c) => c.type === "DeletionError") ?? false,
  );
  const condition = refused.status?.conditions?.find((c) => c.type === "DeletionError");
  assert.match(condition?.message ?? "", /ConfigMap\/guarded: .*guarded by the test: not deleted/);
  assert.deepEqual(refused.metadata?.finalizers, ["sluice.dev/resources-finalizer"]);
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some((e) => e.reason === "DeletionError" && /guarded by the test/.test(e.message ?? "")),
    "a DeletionError Event with the API's message",
  );

  await release();
  await gone("the Application", () => client.get<Application>(Applications, { namespace, name: "demo" }));
  await assert.rejects(client.get(ConfigMaps, { namespace, name: "guarded" }), isNotFound);
});
