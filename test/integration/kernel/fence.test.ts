// The write fence: once the leader has not renewed its lease for renewDeadline (as a paused
// process would find on waking), every write through src/kube is refused before it is sent.
// Time is injected so the test controls exactly when the deadline passes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LeaderElector } from "../../../src/controller/leader-election.ts";
import { KubeClient } from "../../../src/kube/client.ts";
import { isFenced } from "../../../src/kube/errors.ts";
import { ConfigMaps } from "../../../src/kube/resources.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import { createLogger } from "../../../src/telemetry/logger.ts";
import { readAuditEvents } from "../../helpers/audit.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";

test("writes pass while the lease is fresh and are refused, unsent, once renewDeadline has passed", async (t) => {
  const namespace = await useNamespace(t, "fence");
  const userAgent = `sluice-fence-test/${namespace}`;
  const transport = new KubeTransport(testKubeConfig(), { userAgent });
  t.after(() => transport.close());
  const client = new KubeClient(transport);
  let now = Date.now();
  const elector = new LeaderElector({
    client,
    namespace,
    name: "fence-lock",
    identity: "fence-test",
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    logger: createLogger("silent"),
    now: () => now,
    onStartedLeading: () => undefined,
    onStoppedLeading: () => undefined,
  });
  transport.setWriteFence(() => elector.fence());
  const configMap = (name: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
  });

  await assert.rejects(client.create(ConfigMaps, configMap("before-leading"), "test"), isFenced);

  const abort = new AbortController();
  t.after(() => abort.abort());
  const running = elector.run(abort.signal);
  while (!elector.isLeader) await new Promise((r) => setTimeout(r, 20));
  await client.create(ConfigMaps, configMap("while-leading"), "test");

  now += 9_999;
  await client.create(ConfigMaps, configMap("just-in-time"), "test");
  now += 1;
  assert.match(elector.fence() ?? "", /not renewed for 10000ms/);
  await assert.rejects(client.create(ConfigMaps, configMap("too-late"), "test"), isFenced);
  abort.abort();
  await running;

  const created = (await readAuditEvents())
    .filter((e) => e.userAgent === userAgent && e.objectRef?.resource === "configmaps")
    .map((e) => e.objectRef?.name);
  assert.deepEqual(
    created.sort(),
    ["just-in-time", "while-leading"],
    "refused writes never reached the server",
  );
});
