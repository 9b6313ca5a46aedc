// The API requests an Application's syncs cost, counted in the audit log (the `apps` bench's
// cold start, issue 16): a first sync dry-runs every object but the first applied (whose apply
// fails as its dry run would), the Deployment controller's revision annotation costs no dry run
// afterwards, and a self-heal applies a drifted object after the one dry run of its comparison.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Applications, ConfigMaps } from "../../../src/kube/resources.ts";
import {
  type AuditEvent,
  auditMark,
  auditMatches,
  auditUntilNow,
  describeAudit,
  SLUICE_AGENT,
} from "../../helpers/audit.ts";
import { application, configMap, deploymentYaml, gitopsSetUp, repository } from "../../helpers/gitops.ts";

const deployment = deploymentYaml();
const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - port: 80
`;

const isDryRun = (e: AuditEvent) => (e.requestURI ?? "").includes("dryRun");

/** sluice's patches of the app's objects in `namespace` as "resource/name", dry runs and real ones apart. */
function applies(events: AuditEvent[], namespace: string) {
  const ours = events.filter(
    (e) =>
      auditMatches(e, { namespace, userAgent: SLUICE_AGENT, verbs: ["patch"], subresource: null }) &&
      !["applications", "events"].includes(e.objectRef?.resource ?? ""),
  );
  const name = (e: AuditEvent) => `${e.objectRef?.resource}/${e.objectRef?.name}`;
  return {
    dryRuns: ours.filter((e) => isDryRun(e)).map(name),
    applied: ours.filter((e) => !isDryRun(e)).map(name),
    all: ours.map(describeAudit),
  };
}

test("API work per sync: a cold sync dry-runs all but the first object applied; the Deployment's revision annotation costs no dry run; a self-heal is dry-run once", async (t) => {
  const repo = await repository(t);
  const sha = await repo.commit(
    { "app/web.yaml": deployment, "app/svc.yaml": service, "app/cm.yaml": configMap("settings", "1") },
    "first",
  );
  const { namespace, client, until, lookAgain } = await gitopsSetUp(t, "api-work");
  const mark = await auditMark();
  await client.create(
    Applications,
    application(namespace, repo.url, { syncPolicy: { automated: { selfHeal: true } } }),
    "test",
  );
  const healthy = await until(
    "Synced and Healthy",
    (a) =>
      a.status?.sync?.revision === sha &&
      a.status.sync.status === "Synced" &&
      a.status.health?.status === "Healthy",
  );
  assert.equal(healthy.status?.operationState?.phase, "Succeeded");
  assert.deepEqual(
    healthy.status?.operationState?.syncResult?.resources?.map((r) => `${r.kind}/${r.name} ${r.status}`),
    ["ConfigMap/settings Synced", "Service/web Synced", "Deployment/web Synced"],
  );
  const web = await client.get(
    { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true },
    { namespace, name: "web" },
  );
  assert.ok(
    web.metadata?.annotations?.["deployment.kubernetes.io/revision"],
    "the Deployment controller was here",
  );
  // One more look with the annotation in the informers' copy.
  await lookAgain();
  const cold = applies(await auditUntilNow(mark, namespace), namespace);
  assert.deepEqual(
    cold.applied,
    ["configmaps/settings", "services/web", "deployments/web"],
    cold.all.join("\n"),
  );
  assert.deepEqual(cold.dryRuns.sort(), ["deployments/web", "services/web"], cold.all.join("\n"));

  // A hand edit: the look's comparison dry-runs the ConfigMap; the self-heal applies it without another.
  const healMark = await auditMark();
  await client.mergePatch(ConfigMaps, { namespace, name: "settings" }, { data: { value: "hand" } }, "test");
  await until(
    "healed",
    (a) =>
      (a.status?.operationState?.syncResult?.resources ?? []).length === 1 &&
      a.status?.sync?.status === "Synced",
  );
  const healed = applies(await auditUntilNow(healMark, namespace), namespace);
  assert.deepEqual(healed.applied, ["configmaps/settings"], healed.all.join("\n"));
  assert.deepEqual(healed.dryRuns, ["configmaps/settings"], healed.all.join("\n"));
});
