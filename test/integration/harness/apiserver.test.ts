// The API server is the real one at the pinned version, and its audit log records every mutating
// request with user agent and field manager (tests of "no write" and "one writer" count there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CoreV1Api, setHeaderOptions, VersionApi } from "@kubernetes/client-node";
import { readVersions } from "../../cluster/binaries.ts";
import { fieldManagerOf, readAuditEvents } from "../../helpers/audit.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

test("/version reports the pinned Kubernetes version", async () => {
  const version = await testKubeConfig().makeApiClient(VersionApi).getCode();
  const pinned = readVersions().kube;
  assert.equal(version.gitVersion, pinned);
  assert.equal(version.major, "1");
  assert.equal(version.minor, pinned.split(".")[1]);
});

test("the audit log records each write with its user agent and field manager, and no reads", async (t) => {
  const namespace = await useNamespace(t, "audit");
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap(
    {
      namespace,
      fieldManager: "sluice-audit-probe",
      body: { metadata: { name: "audited" }, data: { a: "1" } },
    },
    setHeaderOptions("User-Agent", "sluice-audit-probe/1.0"),
  );
  await core.readNamespacedConfigMap({ name: "audited", namespace });

  const ofObject = async () =>
    (await readAuditEvents()).filter(
      (e) => e.objectRef?.namespace === namespace && e.objectRef.name === "audited",
    );
  const events = await waitFor("the create to appear in the audit log", async () => {
    const found = await ofObject();
    return found.length > 0 ? found : pending("no event yet");
  });
  assert.equal(events.length, 1, "one write and one read give exactly one audit event");
  const event = events[0];
  assert.ok(event);
  assert.equal(event.verb, "create");
  assert.equal(event.userAgent, "sluice-audit-probe/1.0");
  assert.equal(fieldManagerOf(event), "sluice-audit-probe");
  assert.equal(event.responseStatus?.code, 201);
});
