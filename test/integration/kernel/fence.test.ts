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
import { pending, waitFor } from "../../helpers/wait.ts";

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
    // No renewal during the test: the renew loop sleeps retryPeriod in real time but stamps the
    // renewal with the injected clock, so a renewal sent while `now` is advanced would move the
    // deadline under the test. The first acquire does not wait for retryPeriod.
    retryPeriodMs: 3_600_000,
    logger: createLogger("silent"),
    now: () => now,
    onStartedLeading: () => undefined,
    onStoppedLeading: () => undefined,
  });
  transport.setWriteFence(() => elector.writeWindow());
  const configMap = (name: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
  });

  await assert.rejects(client.create(ConfigMaps, configMap("before-leading"), "test"), isFenced);

  const abort = new AbortController();
  t.after(() => abort.abort());
  const running = elector.run(abort.signal);
  await waitFor("the elector to lead", () => (elector.isLeader ? true : pending("not leading")), {
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  await client.create(ConfigMaps, configMap("while-leading"), "test");

  // A second of the window left: the fence stays open that long in real time, ample for one create
  // (a write still unanswered when the fence closes is abandoned: test/unit/kube/transport-fence.test.ts).
  now += 9_000;
  await client.create(ConfigMaps, configMap("just-in-time"), "test");
  now += 1_000;
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
