// nginx traffic routing on the real API server, pods made Ready by kwok: a canary of 10 replicas
// walks 5 → 25 → 50 → 100 % by canary-Ingress weight with ceil(10 × w / 100) canary pods and the
// stable at full size; each weight is written only after the canary pods for it are available
// (checked from watches, in etcd's write order); after promotion the old stable leaves after
// scaleDownDelaySeconds. Abort puts the weight back on stable before the canary loses a pod. A
// missing stable Ingress is InvalidSpec naming it, and creating it recovers.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { CanaryStrategy, Rollout } from "../../../src/api/rollout.ts";
import { Events, Ingresses, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import type { KubeObject, WatchEvent } from "../../../src/kube/types.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import type { Ingress } from "../../../src/trafficrouting/nginx/index.ts";
import { readAuditEvents } from "../../helpers/audit.ts";
import { testClient } from "../../helpers/kube.ts";
import { podTemplate, rolloutIn, scalesByHash, selectorHash } from "../../helpers/rollouts.ts";
import {
  firstRevision,
  podsReadyAt,
  revisionOf,
  setUpTraffic,
  trafficRollout,
  WALK_STEPS,
  walk,
} from "../../helpers/traffic.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { recordWatch } from "../../helpers/watch.ts";

const PREFIX = "nginx.ingress.kubernetes.io";
const WEIGHT = `${PREFIX}/canary-weight`;
const CANARY_INGRESS = "web-web-ing-canary";

function stableIngress(namespace: string): Ingress {
  const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web-ing", namespace },
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: ["web.example.com"], secretName: "web-tls" }],
      rules: [
        {
          host: "web.example.com",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: backend("web-stable") },
              { path: "/admin", pathType: "Prefix", backend: backend("admin") },
            ],
          },
        },
        {
          host: "other.example.com",
          http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("other") }] },
        },
      ],
    },
  };
}

function rollout(namespace: string, steps: unknown[], extra: Partial<CanaryStrategy> = {}): Rollout {
  const nginx = {
    stableIngress: "web-ing",
    additionalIngressAnnotations: { "canary-by-header": "X-Canary" },
  };
  return trafficRollout(namespace, steps, { trafficRouting: { nginx }, ...extra });
}

const setUp = (t: TestContext, prefix: string) => setUpTraffic(t, prefix);

const canaryIngress = (namespace: string) =>
  testClient().get<Ingress>(Ingresses, { namespace, name: CANARY_INGRESS });

/** Waits for the canary Ingress to carry `weight`. */
const weightIs = (namespace: string, weight: number) =>
  waitFor(`canary-weight ${weight}`, async () => {
    const ingress = await canaryIngress(namespace);
    const now = ingress.metadata?.annotations?.[WEIGHT];
    return now === String(weight) ? ingress : pending(`canary-weight ${now}`);
  });

test("nginx: a canary of 10 walks 5 → 25 → 50 → 100 by Ingress weight, pods first", async (t) => {
  const namespace = await setUp(t, "nginx");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  await client.create(Rollouts, rollout(namespace, WALK_STEPS, { scaleDownDelaySeconds: 2 }), "test");
  const v1 = await web.until(
    "v1 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 10,
  );
  const stableHash = v1.status?.stableRS ?? "";
  // The canary Ingress exists from the first deploy, at weight 0, and copies only the stable paths.
  const first = await weightIs(namespace, 0);
  assert.equal(first.spec?.ingressClassName, "nginx");
  assert.deepEqual(first.spec?.tls, [{ hosts: ["web.example.com"], secretName: "web-tls" }]);
  assert.deepEqual(first.spec?.rules, [
    {
      host: "web.example.com",
      http: {
        paths: [
          {
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: "web-canary", port: { number: 80 } } },
          },
        ],
      },
    },
  ]);
  assert.equal(first.metadata?.annotations?.[`${PREFIX}/canary`], "true");
  assert.equal(first.metadata?.annotations?.[`${PREFIX}/canary-by-header`], "X-Canary");
  assert.equal(first.metadata?.ownerReferences?.[0]?.name, "web");
  // Another tool's annotation on the canary Ingress survives the whole rollout.
  await client.mergePatch(
    Ingresses,
    { namespace, name: CANARY_INGRESS },
    { metadata: { annotations: { "example.com/team": "ops" } } },
    "other-tool",
  );

  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const ingWatch = recordWatch<Ingress>(t, Ingresses, {
    namespace,
    fieldSelector: `metadata.name=${CANARY_INGRESS}`,
  });
  // v2 pods become Ready 2 s after they start, so a weight written too early would show.
  await web.patchSpec({ template: podTemplate("web:2", { "kwok.sluice.dev/ready-after": "2s" }) });
  const atStep = async (index: number, weight: number, canaryPods: number) => {
    const r = await web.until(
      `paused at step ${index}`,
      (x) => x.status?.currentStepIndex === index && (x.status.pauseConditions?.length ?? 0) > 0,
      60_000,
    );
    const canaryHash = r.status?.currentPodHash ?? "";
    await weightIs(namespace, weight);
    const scales = await scalesByHash(namespace);
    assert.deepEqual(scales[canaryHash], [canaryPods, canaryPods], `canary pods at ${weight}%`);
    assert.deepEqual(scales[stableHash], [10, 10], `stable at full size at ${weight}%`);
    assert.deepEqual(r.status?.canary?.weights?.canary, {
      weight,
      podTemplateHash: canaryHash,
      serviceName: "web-canary",
    });
    assert.deepEqual(r.status?.canary?.weights?.stable, {
      weight: 100 - weight,
      podTemplateHash: stableHash,
      serviceName: "web-stable",
    });
    // The weight was written only after the canary had the pods for it available.
    const podsReady = podsReadyAt(rsWatch.events, canaryHash, canaryPods);
    const weighted = firstRevision(
      ingWatch.events,
      (i) => i.metadata?.annotations?.[WEIGHT] === String(weight),
    );
    assert.ok(
      podsReady < weighted,
      `pods ready (rev ${podsReady}) before weight ${weight} (rev ${weighted})`,
    );
    // For the record: from the canary pods ready to the weight written, as the test's watches saw it.
    const seenAt = (
      w: { events: readonly WatchEvent<KubeObject>[]; arrivals: readonly number[] },
      rev: number,
    ) => w.arrivals[w.events.findIndex((e) => revisionOf(e) === rev)] ?? Number.NaN;
    const latency = seenAt(ingWatch, weighted) - seenAt(rsWatch, podsReady);
    t.diagnostic(`weight ${weight}: written ${latency} ms after the canary pods were ready`);
    return canaryHash;
  };
  // After the steps the canary grows to 10, takes 100 %, is promoted; then the weight goes back to 0
  // (the stable Service now selects the new pods) and the old stable leaves after 2 s.
  const canaryHash = await walk(web, atStep);
  const full = firstRevision(ingWatch.events, (i) => i.metadata?.annotations?.[WEIGHT] === "100");
  assert.ok(Number.isFinite(full), "weight 100 before promotion");
  const last = await weightIs(namespace, 0);
  assert.equal(await selectorHash(namespace, "web-stable"), canaryHash);
  await waitFor("old stable scaled down after its delay", async () => {
    const scales = await scalesByHash(namespace);
    return scales[stableHash]?.[0] === 0 ? true : pending(JSON.stringify(scales));
  });
  const oldStableDown = firstRevision(
    rsWatch.events,
    (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === stableHash && rs.spec?.replicas === 0,
  );
  const zero = firstRevision(ingWatch.events, (i) => i.metadata?.annotations?.[WEIGHT] === "0");
  assert.ok(zero < oldStableDown, "traffic left the old stable before it scaled down");
  assert.equal(last.metadata?.annotations?.["example.com/team"], "ops", "a foreign annotation survives");
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some(
      (e) => e.reason === "TrafficWeightUpdated" && e.message === "Traffic weight updated from 0 to 5",
    ),
  );
  // For the record (not a claim): sluice's writes during the test, by verb and resource.
  const writes = (await readAuditEvents()).filter(
    (e) => e.objectRef?.namespace === namespace && e.userAgent?.startsWith("sluice/"),
  );
  const byResource = new Map<string, number>();
  for (const e of writes) {
    const key = `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ""}`;
    byResource.set(key, (byResource.get(key) ?? 0) + 1);
  }
  t.diagnostic(`sluice writes over the whole test: ${JSON.stringify(Object.fromEntries(byResource))}`);
  // One write per weight (0, 5, 25, 50, 100, 0), not one per reconcile.
  assert.ok(
    (byResource.get("patch ingresses") ?? 0) <= 7,
    "the canary Ingress is written only when it changes",
  );
});

test("nginx: abort puts the weight back on stable before the canary scales down", async (t) => {
  const namespace = await setUp(t, "nginx-abort");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  const steps = [{ setWeight: 25 }, { pause: {} }];
  await client.create(Rollouts, rollout(namespace, steps, { abortScaleDownDelaySeconds: 1 }), "test");
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until(
    "paused at 25",
    (r) => r.status?.currentStepIndex === 1 && (r.status.pauseConditions?.length ?? 0) > 0,
  );
  const canaryHash = paused.status?.currentPodHash ?? "";
  await weightIs(namespace, 25);
  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const ingWatch = recordWatch<Ingress>(t, Ingresses, {
    namespace,
    fieldSelector: `metadata.name=${CANARY_INGRESS}`,
  });
  await web.patchStatus({ abort: true });
  await web.until("Degraded", (r) => r.status?.phase === "Degraded");
  await waitFor("canary scaled down after the abort delay", async () => {
    const scales = await scalesByHash(namespace);
    return scales[canaryHash]?.[0] === 0 ? true : pending(JSON.stringify(scales));
  });
  const zero = firstRevision(ingWatch.events, (i) => i.metadata?.annotations?.[WEIGHT] === "0");
  const down = firstRevision(
    rsWatch.events,
    (rs) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === canaryHash && (rs.spec?.replicas ?? 0) < 3,
  );
  assert.ok(
    Number.isFinite(zero) && zero < down,
    `weight 0 (rev ${zero}) before the canary shrank (rev ${down})`,
  );
  assert.equal(await selectorHash(namespace, "web-canary"), paused.status?.stableRS);
});

test("nginx: a missing stable Ingress is InvalidSpec naming it; creating it recovers", async (t) => {
  const namespace = await setUp(t, "nginx-missing");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }]), "test");
  const invalid = await web.until(
    "InvalidSpec",
    (r) => r.status?.conditions?.some((c) => c.type === "InvalidSpec") ?? false,
  );
  const condition = invalid.status?.conditions?.find((c) => c.type === "InvalidSpec");
  assert.match(
    condition?.message ?? "",
    /spec\.strategy\.canary\.trafficRouting\.nginx\.stableIngress: Ingress "web-ing" not found/,
  );
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some(
      (e) => e.reason === "InvalidSpec" && /Ingress "web-ing" not found/.test(e.message ?? ""),
    ),
  );
  assert.equal(
    (await scalesByHash(namespace)) && Object.keys(await scalesByHash(namespace)).length,
    0,
    "nothing was created",
  );
  await client.create(Ingresses, stableIngress(namespace), "test");
  await web.until(
    "Healthy once the Ingress exists",
    (r) => r.status?.phase === "Healthy" && !r.status.conditions?.some((c) => c.type === "InvalidSpec"),
  );
  await weightIs(namespace, 0);
});

test("nginx: deleting a Rollout mid-canary sends all traffic to stable before its objects go", async (t) => {
  const namespace = await setUp(t, "nginx-delete");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  await client.create(Rollouts, rollout(namespace, [{ setWeight: 25 }, { pause: {} }]), "test");
  await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until(
    "paused at 25",
    (r) => r.status?.currentStepIndex === 1 && (r.status.pauseConditions?.length ?? 0) > 0,
  );
  await weightIs(namespace, 25);
  const ingWatch = recordWatch<Ingress>(t, Ingresses, {
    namespace,
    fieldSelector: `metadata.name=${CANARY_INGRESS}`,
  });
  await client.delete(Rollouts, { namespace, name: "web" });
  await waitFor("the canary Ingress deleted with its Rollout", () =>
    ingWatch.events.some((e) => e.type === "DELETED") ? true : pending(`${ingWatch.events.length} events`),
  );
  const weights = ingWatch.events
    .filter((e) => e.type !== "DELETED")
    .map((e) => e.object.metadata?.annotations?.[WEIGHT]);
  assert.equal(weights.at(-1), "0", `the last weight before deletion: ${weights.join(" → ")}`);
  assert.equal(await selectorHash(namespace, "web-canary"), await selectorHash(namespace, "web-stable"));
});

test("nginx: a setHeaderRoute step becomes canary-by-header on the canary Ingress, removed at the end", async (t) => {
  const namespace = await setUp(t, "nginx-header");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  const r = rollout(namespace, [
    { setWeight: 10 },
    { setHeaderRoute: { name: "beta", match: [{ headerName: "X-Beta", headerValue: { prefix: "yes" } }] } },
    { pause: {} },
  ]);
  const canary = r.spec?.strategy?.canary;
  if (canary?.trafficRouting) {
    canary.trafficRouting.managedRoutes = [{ name: "beta" }];
    canary.trafficRouting.nginx = { stableIngress: "web-ing" };
  }
  await client.create(Rollouts, r, "test");
  await web.until("v1 Healthy", (x) => x.status?.phase === "Healthy");
  await web.patchSpec({ template: podTemplate("web:2") });
  await web.until(
    "paused after the header step",
    (x) => x.status?.currentStepIndex === 2 && (x.status.pauseConditions?.length ?? 0) > 0,
  );
  const during = await waitFor("the header annotations", async () => {
    const ingress = await canaryIngress(namespace);
    return ingress.metadata?.annotations?.[`${PREFIX}/canary-by-header`] ? ingress : pending("none yet");
  });
  assert.equal(during.metadata?.annotations?.[`${PREFIX}/canary-by-header`], "X-Beta");
  assert.equal(during.metadata?.annotations?.[`${PREFIX}/canary-by-header-pattern`], "^yes.*");
  assert.equal(during.metadata?.annotations?.[WEIGHT], "10");
  await web.patchStatus({ pauseConditions: null });
  await web.until(
    "v2 Healthy",
    (x) => x.status?.phase === "Healthy" && x.status.stableRS === x.status.currentPodHash,
    60_000,
  );
  const after = await weightIs(namespace, 0);
  assert.equal(after.metadata?.annotations?.[`${PREFIX}/canary-by-header`], undefined);
  assert.equal(after.metadata?.annotations?.[`${PREFIX}/canary-by-header-pattern`], undefined);
});

test("nginx with dynamicStableScale: the stable shrinks after the traffic leaves it; abort grows it back first", async (t) => {
  const namespace = await setUp(t, "nginx-dynamic");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  const steps = [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];
  await client.create(Rollouts, rollout(namespace, steps, { dynamicStableScale: true }), "test");
  const v1 = await web.until(
    "v1 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 10,
  );
  const stableHash = v1.status?.stableRS ?? "";
  const rsWatch = recordWatch<ReplicaSet>(t, ReplicaSets, { namespace });
  const ingWatch = recordWatch<Ingress>(t, Ingresses, {
    namespace,
    fieldSelector: `metadata.name=${CANARY_INGRESS}`,
  });
  await web.patchSpec({ template: podTemplate("web:2") });
  const at30 = await web.until(
    "paused at 30",
    (r) => r.status?.currentStepIndex === 1 && (r.status.pauseConditions?.length ?? 0) > 0,
  );
  const canaryHash = at30.status?.currentPodHash ?? "";
  await weightIs(namespace, 30);
  const scales = () => scalesByHash(namespace);
  await waitFor("stable 7, canary 3", async () => {
    const s = await scales();
    return s[stableHash]?.[0] === 7 && s[canaryHash]?.[0] === 3 ? true : pending(JSON.stringify(s));
  });
  const weighted30 = firstRevision(ingWatch.events, (i) => i.metadata?.annotations?.[WEIGHT] === "30");
  const shrunk = firstRevision(
    rsWatch.events,
    (rs) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === stableHash && (rs.spec?.replicas ?? 10) < 10,
  );
  assert.ok(weighted30 < shrunk, `weight 30 (rev ${weighted30}) before the stable shrank (rev ${shrunk})`);

  await web.patchStatus({ pauseConditions: null });
  await web.until(
    "paused at 60",
    (r) => r.status?.currentStepIndex === 3 && (r.status.pauseConditions?.length ?? 0) > 0,
  );
  await weightIs(namespace, 60);
  await waitFor("stable 4, canary 6", async () => {
    const s = await scales();
    return s[stableHash]?.[0] === 4 && s[canaryHash]?.[0] === 6 ? true : pending(JSON.stringify(s));
  });

  // Abort: the stable grows back first; the weight steps down as its pods come; the canary goes last.
  await web.patchStatus({ abort: true });
  await waitFor(
    "weight 0, stable 10, canary 0",
    async () => {
      const s = await scales();
      const ingress = await canaryIngress(namespace);
      const done =
        ingress.metadata?.annotations?.[WEIGHT] === "0" &&
        s[stableHash]?.[0] === 10 &&
        s[canaryHash]?.[0] === 0;
      return done ? true : pending(`${ingress.metadata?.annotations?.[WEIGHT]} ${JSON.stringify(s)}`);
    },
    { timeoutMs: 60_000 },
  );
  const stableBack = firstRevision(
    rsWatch.events,
    (rs) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === stableHash &&
      (rs.status?.availableReplicas ?? 0) >= 10 &&
      rs.spec?.replicas === 10 &&
      revisionOf({ type: "MODIFIED", object: rs }) > shrunk,
  );
  const zero = firstRevision(
    ingWatch.events,
    (i) =>
      i.metadata?.annotations?.[WEIGHT] === "0" && revisionOf({ type: "MODIFIED", object: i }) > weighted30,
  );
  const canaryGone = firstRevision(
    rsWatch.events,
    (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === canaryHash && rs.spec?.replicas === 0,
  );
  assert.ok(
    stableBack < zero,
    `the stable was back (rev ${stableBack}) before the weight reached 0 (rev ${zero})`,
  );
  assert.ok(
    zero < canaryGone,
    `weight 0 (rev ${zero}) before the canary was scaled to 0 (rev ${canaryGone})`,
  );
  const afterAbort = ingWatch.events
    .filter((e) => revisionOf(e) > weighted30)
    .map((e) => e.object.metadata?.annotations?.[WEIGHT]);
  t.diagnostic(`weights sent after 30: ${[...new Set(afterAbort)].join(" → ")}`);
  assert.equal(await selectorHash(namespace, "web-canary"), stableHash);
});

test("nginx with dynamicStableScale: promotion moves all traffic, then the old stable is already gone", async (t) => {
  const namespace = await setUp(t, "nginx-dynamic-promote");
  const client = testClient();
  const web = rolloutIn(namespace);
  await client.create(Ingresses, stableIngress(namespace), "test");
  await client.create(
    Rollouts,
    rollout(namespace, [{ setWeight: 50 }, { pause: {} }], { dynamicStableScale: true }),
    "test",
  );
  const v1 = await web.until(
    "v1 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.availableReplicas === 10,
  );
  const stableHash = v1.status?.stableRS ?? "";
  const ingWatch = recordWatch<Ingress>(t, Ingresses, {
    namespace,
    fieldSelector: `metadata.name=${CANARY_INGRESS}`,
  });
  await web.patchSpec({ template: podTemplate("web:2") });
  const paused = await web.until("paused at 50", (r) => (r.status?.pauseConditions?.length ?? 0) > 0);
  const canaryHash = paused.status?.currentPodHash ?? "";
  await web.patchStatus({ pauseConditions: null });
  await web.until(
    "v2 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === canaryHash,
    60_000,
  );
  const scales = await waitFor("the old stable at 0", async () => {
    const s = await scalesByHash(namespace);
    return s[stableHash]?.[0] === 0 ? s : pending(JSON.stringify(s));
  });
  assert.deepEqual(scales[canaryHash], [10, 10]);
  const weights = ingWatch.events.map((e) => e.object.metadata?.annotations?.[WEIGHT]);
  assert.ok(
    weights.includes("100"),
    `the canary had all the traffic before promotion: ${weights.join(" → ")}`,
  );
  assert.equal(weights.at(-1), "0");
});
