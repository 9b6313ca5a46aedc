// The kernel's status writes against the real API server: one write per change, none when nothing
// changed (counted in the audit log), no lost update under concurrent spec changes, and retries
// with backoff for a failing reconcile.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { TOY_GROUP, type Toy, toyCrd, toyStatusController } from "../../fixtures/toy-controllers.ts";
import { readAuditEvents } from "../../helpers/audit.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, metricValue, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const toys = () => testKubeConfig().makeApiClient(CustomObjectsApi);
const ref = (namespace: string) => ({ group: TOY_GROUP, version: "v1", namespace, plural: "toys" });

async function createToy(namespace: string, name: string, spec: Toy["spec"]): Promise<void> {
  await toys().createNamespacedCustomObject({
    ...ref(namespace),
    body: { apiVersion: `${TOY_GROUP}/v1`, kind: "Toy", metadata: { name }, spec },
  });
}

async function patchSpec(namespace: string, name: string, spec: Toy["spec"]): Promise<void> {
  await toys().patchNamespacedCustomObject(
    { ...ref(namespace), name, body: { spec } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

async function waitConverged(
  namespace: string,
  name: string,
  input: string,
  timeoutMs = 30_000,
): Promise<Toy> {
  return waitFor(
    `toy ${name} status for input ${input}`,
    async () => {
      const toy = (await toys().getNamespacedCustomObject({ ...ref(namespace), name })) as Toy;
      const done =
        toy.status?.output === input.toUpperCase() &&
        toy.status.observedGeneration === toy.metadata?.generation;
      return done
        ? toy
        : pending(JSON.stringify({ generation: toy.metadata?.generation, status: toy.status }));
    },
    { timeoutMs },
  );
}

async function statusWrites(namespace: string): Promise<number> {
  return (await readAuditEvents()).filter(
    (e) =>
      e.objectRef?.namespace === namespace &&
      e.objectRef.resource === "toys" &&
      e.objectRef.subresource === "status" &&
      e.userAgent?.startsWith("sluice/"),
  ).length;
}

test("status: one write per change, none across resyncs when nothing changed", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "status");
  process.env.TOY_RESYNC_MS = "200";
  t.after(() => {
    delete process.env.TOY_RESYNC_MS;
  });
  const sluice = await startSluice(t, [toyStatusController], { namespace });
  const names = ["a", "b", "c", "d", "e"];
  for (const name of names) await createToy(namespace, name, { input: name });
  for (const name of names) await waitConverged(namespace, name, name);
  assert.equal(await statusWrites(namespace), names.length, "exactly one status write per object");

  // Resyncs re-run every reconcile; wait for several rounds of them, counted by the controller.
  const series = 'sluice_reconcile_duration_seconds_count{controller="toy-status",result="success"}';
  const before = await metricValue(sluice.metricsPort, series);
  await waitFor("five resync rounds of reconciles", async () => {
    const now = await metricValue(sluice.metricsPort, series);
    return now - before >= names.length * 5 ? now : pending(`${now - before} reconciles since`);
  });
  assert.equal(await statusWrites(namespace), names.length, "resyncs wrote nothing");
});

test("status: no lost update under concurrent spec changes", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "concurrent");
  await startSluice(t, [toyStatusController], { namespace });
  const names = ["p", "q", "r"];
  for (const name of names) await createToy(namespace, name, { input: "v0" });
  // Three writers change specs as fast as they can while the controller writes status.
  await Promise.all(
    names.map(async (name) => {
      for (let i = 1; i <= 25; i++) await patchSpec(namespace, name, { input: `v${i}` });
    }),
  );
  for (const name of names) {
    const toy = await waitConverged(namespace, name, "v25");
    assert.equal(toy.spec?.input, "v25");
  }
});

test("a reconcile failing K times is retried until it succeeds, and success resets the backoff", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "backoff");
  const sluice = await startSluice(t, [toyStatusController], { namespace });
  const retries = 'sluice_workqueue_retries_total{name="toy-status"}';
  await createToy(namespace, "flaky", { input: "x", failTimes: 3 });
  const first = await waitConverged(namespace, "flaky", "x");
  assert.equal(first.status?.attempts, 4, "3 failures, then the 4th attempt succeeded");
  assert.equal(await metricValue(sluice.metricsPort, retries), 3);

  // A new generation that fails twice: retried from the base delay again, so it converges as fast.
  await patchSpec(namespace, "flaky", { input: "y", failTimes: 2 });
  const second = await waitConverged(namespace, "flaky", "y");
  assert.equal(second.status?.attempts, 3);
  assert.equal(await metricValue(sluice.metricsPort, retries), 5);
});
