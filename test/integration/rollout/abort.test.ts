// Abort mid-canary returns every pod to the stable ReplicaSet and the canary Service to the stable
// pods, with no moment in which a Service has no ready endpoint (checked on every event of a watch
// on its EndpointSlices, not by sampling); retry then starts the steps again.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../../src/api/rollout.ts";
import { ReplicaSets, Rollouts, Services } from "../../../src/kube/resources.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { ReplicaSet, Service } from "../../../src/rollout/world.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

interface EndpointSlice {
  metadata?: { name?: string };
  endpoints?: { conditions?: { ready?: boolean } }[];
}

/** Watches a Service's EndpointSlices and records the total ready endpoints after every event. */
function watchReadyEndpoints(namespace: string, service: string) {
  const transport = new KubeTransport(testKubeConfig(), { userAgent: "sluice-test-endpoints" });
  const perSlice = new Map<string, number>();
  const totals: number[] = [];
  const abort = new AbortController();
  const done = transport
    .stream(
      {
        path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
        query: { watch: true, labelSelector: `kubernetes.io/service-name=${service}` },
      },
      (line) => {
        const event = JSON.parse(line) as { type: string; object: EndpointSlice };
        const name = event.object.metadata?.name ?? "";
        if (event.type === "DELETED") perSlice.delete(name);
        else perSlice.set(name, (event.object.endpoints ?? []).filter((e) => e.conditions?.ready).length);
        totals.push([...perSlice.values()].reduce((a, b) => a + b, 0));
      },
      abort.signal,
    )
    .catch(() => undefined);
  return {
    totals,
    stop: async () => {
      abort.abort();
      await done;
      transport.close();
    },
  };
}

function rollout(image: string): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web" },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          steps: [{ setWeight: 40 }, { pause: {} }],
        },
      },
    },
  };
}

test("abort goes back to stable without a moment of zero ready endpoints; retry resumes", async (t) => {
  await installRolloutCrd();
  const namespace = await useNamespace(t, "abort");
  const client = testClient();
  for (const [name, selector] of [
    ["web", { app: "web" }],
    ["web-stable", { app: "web" }],
    ["web-canary", { app: "web" }],
  ] as const) {
    await client.create<Service>(
      Services,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace },
        spec: { selector, ports: [{ port: 80 }] } as never,
      },
      "test",
    );
  }
  await startSluice(t, [rolloutController], { namespace });
  const get = () => client.get<Rollout>(Rollouts, { namespace, name: "web" });
  const waitRollout = (what: string, ok: (r: Rollout) => boolean) =>
    waitFor(what, async () => {
      const r = await get();
      return ok(r)
        ? r
        : pending(
            JSON.stringify({
              phase: r.status?.phase,
              state: r.status?.sluice?.machine?.value,
              step: r.status?.currentStepIndex,
            }),
          );
    });
  const scaleOf = async (hash: string) => {
    const rs = (await client.list<ReplicaSet>(ReplicaSets, { namespace })).items.find(
      (r) => r.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash,
    );
    return [rs?.spec?.replicas ?? 0, rs?.status?.availableReplicas ?? 0];
  };

  await client.create(Rollouts, { ...rollout("web:1"), metadata: { name: "web", namespace } }, "test");
  const v1 = await waitRollout("first deploy Healthy", (r) => r.status?.phase === "Healthy");
  const h1 = v1.status?.stableRS ?? "";
  const watches = ["web", "web-stable", "web-canary"].map((s) => ({
    service: s,
    watch: watchReadyEndpoints(namespace, s),
  }));
  t.after(async () => {
    for (const w of watches) await w.watch.stop();
  });
  await waitFor("the endpoint watches to see ready pods", () =>
    watches.every((w) => (w.watch.totals.at(-1) ?? 0) > 0)
      ? true
      : pending(JSON.stringify(watches.map((w) => w.watch.totals.at(-1)))),
  );

  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { spec: { template: rollout("web:2").spec?.template } },
    "test",
  );
  const paused = await waitRollout(
    "paused at 40%",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1,
  );
  const h2 = paused.status?.currentPodHash ?? "";
  assert.deepEqual(await scaleOf(h2), [2, 2]);
  assert.deepEqual((await scaleOf(h1))[0], 3);

  // Abort, as `kubectl sluice abort` does: status.abort = true.
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { status: { abort: true } },
    "kubectl-sluice",
    { subresource: "status" },
  );
  const aborted = await waitRollout(
    "aborted back to stable",
    (r) => r.status?.phase === "Degraded" && r.status.availableReplicas === 5,
  );
  assert.match(aborted.status?.message ?? "", /RolloutAborted/);
  assert.ok(aborted.status?.abortedAt);
  assert.equal(aborted.status?.canary?.weights?.canary.weight, 0);
  await waitFor("canary scaled to 0 and stable back to 5", async () => {
    const [c, s] = [await scaleOf(h2), await scaleOf(h1)];
    return c[0] === 0 && s[0] === 5 && s[1] === 5 ? true : pending(JSON.stringify({ c, s }));
  });
  const canarySvc = await client.get<Service>(Services, { namespace, name: "web-canary" });
  assert.equal(
    canarySvc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL],
    h1,
    "canary Service points at the stable pods",
  );

  // Retry: abort = false; the steps start again and the rollout pauses at 40% once more.
  await client.mergePatch(
    Rollouts,
    { namespace, name: "web" },
    { status: { abort: false } },
    "kubectl-sluice",
    { subresource: "status" },
  );
  await waitRollout(
    "paused at 40% again",
    (r) => r.status?.phase === "Paused" && r.status.currentStepIndex === 1 && !r.status.abort,
  );
  assert.deepEqual(await scaleOf(h2), [2, 2]);

  for (const { service, watch } of watches) {
    const firstReady = watch.totals.findIndex((n) => n > 0);
    const afterwards = watch.totals.slice(firstReady);
    assert.ok(afterwards.length > 3, `${service}: the watch saw changes (${afterwards.length} events)`);
    assert.ok(
      !afterwards.includes(0),
      `${service} had no ready endpoint at some event: ${afterwards.join(",")}`,
    );
  }
});
