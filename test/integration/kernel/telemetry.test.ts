// Every replica serves /metrics, /healthz and /readyz; readiness means every informer has synced.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ControllerSetup } from "../../../src/controller/kernel.ts";
import { toyCrd, toyStatusController } from "../../fixtures/toy-controllers.ts";
import { useNamespace } from "../../helpers/kube.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

test("/metrics exposes the kernel's metrics; /healthz and /readyz are 200 once synced", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "telemetry");
  const sluice = await startSluice(t, [toyStatusController], { namespace });
  await waitFor("/readyz 200", async () => {
    const r = await get(sluice.metricsPort, "/readyz");
    return r.status === 200 ? r : pending(`${r.status} ${r.body}`);
  });
  assert.equal((await get(sluice.metricsPort, "/healthz")).status, 200);
  const metrics = (await get(sluice.metricsPort, "/metrics")).body;
  for (const name of [
    "sluice_reconcile_duration_seconds",
    "sluice_reconcile_errors_total",
    "sluice_workqueue_depth",
    "sluice_workqueue_adds_total",
    "sluice_workqueue_retries_total",
    "sluice_workqueue_work_duration_seconds",
    "sluice_workqueue_longest_running_processor_seconds",
    "sluice_kube_api_requests_total",
    "sluice_informer_cached_objects",
    "sluice_build_info",
    "sluice_process_resident_memory_bytes",
  ]) {
    assert.match(metrics, new RegExp(`^# TYPE ${name} `, "m"), `${name} is exported`);
  }
  assert.match(metrics, /^sluice_kube_api_requests_total\{verb="list",code="200"\} [1-9]/m);
  for (const line of metrics.split("\n")) {
    if (line && !line.startsWith("#")) assert.ok(line.startsWith("sluice_"), `unprefixed metric: ${line}`);
  }
});

test("/readyz is 503 naming the cause while an informer cannot sync; /healthz stays 200", async (t) => {
  const namespace = await useNamespace(t, "notready");
  const missingType: ControllerSetup = (kernel) => {
    kernel.informer({
      type: {
        group: "missing.sluice.dev",
        version: "v1",
        plural: "nothings",
        kind: "Nothing",
        namespaced: true,
      },
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
  };
  const sluice = await startSluice(t, [missingType], { namespace });
  const ready = await waitFor("/readyz to answer", async () => get(sluice.metricsPort, "/readyz"));
  assert.equal(ready.status, 503);
  assert.match(ready.body, /1 informer\(s\) not synced/);
  assert.equal((await get(sluice.metricsPort, "/healthz")).status, 200);
  await waitFor("the failing list to be counted", async () => {
    const metrics = (await get(sluice.metricsPort, "/metrics")).body;
    return /sluice_kube_api_requests_total\{verb="list",code="404"\} [1-9]/.test(metrics)
      ? true
      : pending("no 404");
  });
});
