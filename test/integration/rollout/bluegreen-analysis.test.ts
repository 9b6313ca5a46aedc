// Blue/green gated by pre- and post-promotion analysis against the real Prometheus. A failing
// pre-promotion run aborts before the active Service ever leaves the stable pods; a failing
// post-promotion run aborts after the switch and sends the active Service back to the stable pods,
// which stayed fully scaled. The active Service's selector is recorded on every event of a watch
// (not by sampling), since the post-promotion switch and switch-back can be a fraction of a second
// apart. The pre-promotion run must start only once the preview's pods are all available.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import {
  AnalysisRuns,
  Events,
  Pods,
  type ResourceType,
  Rollouts,
  resourcePath,
  Services,
} from "../../../src/kube/resources.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import type { KubeObject, WatchEvent } from "../../../src/kube/types.ts";
import { rolloutController } from "../../../src/rollout/controller.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../../src/rollout/hash.ts";
import type { Service } from "../../../src/rollout/world.ts";
import { createRatioTemplate, installAnalysisCrds, startGaugeExporter } from "../../helpers/exporter.ts";
import { testClient, testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import {
  createRollout,
  createServices,
  installRolloutCrd,
  podTemplate,
  rolloutIn,
  scalesByHash,
  selectorHash,
} from "../../helpers/rollouts.ts";
import { startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

type Analysis = "prePromotionAnalysis" | "postPromotionAnalysis";

/** Records every version of one object a watch delivers, from its current state on. */
async function watchObject<T extends KubeObject>(
  t: TestContext,
  type: ResourceType,
  namespace: string,
  name: string,
): Promise<T[]> {
  const transport = new KubeTransport(testKubeConfig(), { userAgent: "sluice-test-watch" });
  const seen: T[] = [];
  const abort = new AbortController();
  const done = transport
    .stream(
      {
        path: resourcePath(type, namespace),
        query: { watch: true, fieldSelector: `metadata.name=${name}` },
      },
      (line) => {
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === "ADDED" || event.type === "MODIFIED") seen.push(event.object);
      },
      abort.signal,
    )
    .catch(() => undefined);
  t.after(async () => {
    abort.abort();
    await done;
    transport.close();
  });
  await waitFor(`a watch on ${type.kind} ${name}`, () => (seen.length > 0 ? true : pending("no event")));
  return seen;
}

/** The distinct pod-template hashes a Service selected, in order, from the versions a watch saw. */
const selectorHistory = (versions: Service[], from = 0) =>
  versions
    .slice(from)
    .map((svc) => svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL] ?? "none")
    .filter((hash, i, all) => i === 0 || all[i - 1] !== hash);

async function setUp(t: TestContext, prefix: string, gauge: string, analysis: Analysis) {
  await installRolloutCrd();
  await installAnalysisCrds();
  const ratio = await startGaugeExporter(t, gauge, 0.99);
  const namespace = await useNamespace(t, prefix);
  const client = testClient();
  await createRatioTemplate(namespace, { interval: "1s", count: 2, successCondition: "result[0] >= 0.95" });
  await createServices(namespace, ["web-active", "web-preview"]);
  await startSluice(t, [rolloutController, analysisRunController], { namespace });
  await createRollout(namespace, {
    blueGreen: {
      activeService: "web-active",
      previewService: "web-preview",
      autoPromotionEnabled: true,
      // The previous active ReplicaSet goes soon after promotion; until then the phase says
      // "old replicas are pending termination".
      scaleDownDelaySeconds: 2,
      [analysis]: {
        templates: [{ templateName: "success-rate" }],
        args: [{ name: "query", value: ratio.query }],
      },
    },
  });
  const web = rolloutIn(namespace);
  const v1 = await web.until("v1 Healthy", (r) => r.status?.phase === "Healthy");
  const h1 = v1.status?.stableRS ?? "";
  assert.equal(await selectorHash(namespace, "web-active"), h1, "active Service on v1");
  const active = await watchObject<Service>(t, Services, namespace, "web-active");
  const rollout = await watchObject<Rollout>(t, Rollouts, namespace, "web");
  /** The one run of `type` (PrePromotion, PostPromotion) for the pods of `hash`. */
  const runFor = async (type: string, hash: string) => {
    const runs = await client.list<AnalysisRun>(AnalysisRuns, {
      namespace,
      labelSelector: `rollout-type=${type},${POD_TEMPLATE_HASH_LABEL}=${hash}`,
    });
    assert.equal(runs.items.length, 1, `one ${type} run for ${hash}`);
    return runs.items[0] as AnalysisRun;
  };
  return { ratio, namespace, web, h1, active, rollout, runFor };
}

/** Preview pods that become Ready a while after they start (kwok stage), so "fully available" is a moment. */
const SLOW_READY = { "kwok.sluice.dev/ready-after": "2s" };

type EventObject = KubeObject & {
  type?: string;
  count?: number;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
};

async function rolloutEvents(namespace: string): Promise<EventObject[]> {
  const events = await testClient().list<EventObject>(Events, { namespace });
  return events.items.filter((e) => e.involvedObject?.kind === "Rollout" && e.involvedObject.name === "web");
}

/**
 * Whether `run` was created no earlier than the last pod of `hash` became Ready (both are
 * server timestamps in whole seconds, so a run created in the same second passes).
 */
async function startedAfterReady(namespace: string, run: AnalysisRun, hash: string) {
  const pods = await testClient().list<KubeObject & { status?: { conditions?: PodCondition[] } }>(Pods, {
    namespace,
    labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}`,
  });
  const readyAt = pods.items.map(
    (p) => p.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True")?.lastTransitionTime,
  );
  const created = run.metadata?.creationTimestamp ?? "";
  const seen = `run created ${created}; pods of ${hash} Ready at ${JSON.stringify(readyAt)}`;
  const ok =
    readyAt.length > 0 && readyAt.every((at) => at !== undefined && Date.parse(created) >= Date.parse(at));
  return { ok, seen };
}

interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

test("pre-promotion analysis gates the switch", async (t) => {
  const { ratio, namespace, web, h1, active, rollout, runFor } = await setUp(
    t,
    "bg-pre",
    "sluice_bg_pre_success_ratio",
    "prePromotionAnalysis",
  );

  await ratio.set(0.5);
  await web.patchSpec({ template: podTemplate("web:2", SLOW_READY) });
  const aborted = await web.until(
    "v2 aborted by a Failed pre-promotion analysis",
    (r) => r.status?.currentPodHash !== h1 && r.status?.abort === true && r.status.phase === "Degraded",
    45_000,
  );
  const h2 = aborted.status?.currentPodHash ?? "";
  assert.equal(aborted.status?.stableRS, h1, "the stable is still v1");
  assert.deepEqual(selectorHistory(active), [h1], "the active Service never left v1 during the update");

  const failed = await runFor("PrePromotion", h2);
  const failedName = failed.metadata?.name ?? "";
  assert.equal(failed.status?.phase, "Failed");
  assert.match(failedName, new RegExp(`^web-${h2}-\\d+-pre$`));
  const owner = failed.metadata?.ownerReferences?.[0];
  assert.deepEqual(
    [owner?.kind, owner?.name, owner?.uid, owner?.controller],
    ["Rollout", "web", aborted.metadata?.uid, true],
  );
  // Events are recorded just after the status write that showed the abort.
  const failedEvents = await waitFor("an AnalysisRunFailed Event on the Rollout naming the run", async () => {
    const found = (await rolloutEvents(namespace)).filter(
      (e) => e.reason === "AnalysisRunFailed" && (e.message ?? "").includes(`(AnalysisRun ${failedName})`),
    );
    return found.length >= 1 ? found : pending("none yet");
  });
  for (const e of failedEvents) assert.equal(e.type, "Warning");
  const previewAtAbort = await selectorHash(namespace, "web-preview");
  const v2Timing = await startedAfterReady(namespace, failed, h2);
  // A later reconcile (any change to the Rollout) must not report the same verdict again.
  await web.patchSpec({ paused: false });
  await web.until("the nudge seen", (r) => r.status?.observedGeneration === r.metadata?.generation);
  await new Promise((r) => setTimeout(r, 500)); // Events are recorded just after the status write.
  const failedEventsLater = (await rolloutEvents(namespace)).filter(
    (e) => e.reason === "AnalysisRunFailed" && (e.message ?? "").includes(`(AnalysisRun ${failedName})`),
  );
  // Repeats would fold into one Event with a higher count: both must say once.
  assert.deepEqual(
    failedEventsLater.map((e) => e.count ?? 1),
    [1],
    "the Failed verdict is reported once",
  );
  assert.deepEqual(
    (await web.get()).status?.blueGreen?.prePromotionAnalysisRunStatus,
    { name: failedName, status: "Failed", message: failed.status?.message ?? "(none)" },
    "the aborted status still names the run that failed",
  );

  await ratio.set(0.99);
  await web.patchSpec({ template: podTemplate("web:3", SLOW_READY) });
  const promoted = await web.until(
    "v3 promoted after a Successful pre-promotion analysis",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== h1 && r.status.stableRS !== h2,
    45_000,
  );
  const h3 = promoted.status?.stableRS ?? "";
  assert.equal(promoted.status?.currentPodHash, h3);
  assert.equal(promoted.status?.abort, false, "the abort of v2 is cleared by the new update");
  assert.equal(await selectorHash(namespace, "web-active"), h3, "active Service on v3");
  const passed = await runFor("PrePromotion", h3);
  assert.equal(passed.status?.phase, "Successful");
  assert.ok(
    rollout.some(
      (r) =>
        r.status?.stableRS === h1 &&
        r.status.blueGreen?.prePromotionAnalysisRunStatus?.name === passed.metadata?.name,
    ),
    "status.blueGreen.prePromotionAnalysisRunStatus named the v3 run before v3 was promoted",
  );
  assert.deepEqual(selectorHistory(active), [h1, h3], "the active Service went from v1 to v3, never to v2");
  const v3Timing = await startedAfterReady(namespace, passed, h3);

  // The pre-promotion run starts only once the preview is fully available.
  assert.ok(v2Timing.ok, `v2: ${v2Timing.seen}`);
  assert.ok(v3Timing.ok, `v3: ${v3Timing.seen}`);
  assert.equal(previewAtAbort, h2, "the preview Service was on v2 when it was judged");
});

test("post-promotion failure switches the active Service back", async (t) => {
  const { ratio, namespace, web, h1, active, rollout, runFor } = await setUp(
    t,
    "bg-post",
    "sluice_bg_post_success_ratio",
    "postPromotionAnalysis",
  );

  await web.patchSpec({ template: podTemplate("web:2") });
  const v2 = await web.until(
    "v2 Healthy after a Successful post-promotion analysis",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS !== undefined && r.status.stableRS !== h1,
    45_000,
  );
  const h2 = v2.status?.stableRS ?? "";
  const passed = await runFor("PostPromotion", h2);
  assert.equal(passed.status?.phase, "Successful");
  assert.match(passed.metadata?.name ?? "", new RegExp(`^web-${h2}-\\d+-post$`));
  assert.equal(passed.metadata?.ownerReferences?.[0]?.kind, "Rollout");
  assert.ok(
    rollout.some(
      (r) =>
        r.status?.stableRS === h1 &&
        r.status.blueGreen?.activeSelector === h2 &&
        r.status.blueGreen.postPromotionAnalysisRunStatus?.name === passed.metadata?.name,
    ),
    "postPromotionAnalysisRunStatus named the run while v2 served and v1 was still the stable",
  );
  assert.equal(await selectorHash(namespace, "web-active"), h2);
  assert.deepEqual(selectorHistory(active), [h1, h2]);

  const beforeV3 = active.length;
  await ratio.set(0.5);
  await web.patchSpec({ template: podTemplate("web:3") });
  const aborted = await web.until(
    "v3 aborted by a Failed post-promotion analysis",
    (r) => r.status?.currentPodHash !== h2 && r.status?.abort === true,
    45_000,
  );
  const h3 = aborted.status?.currentPodHash ?? "";
  assert.equal(aborted.status?.stableRS, h2, "the stable is still v2");
  assert.equal(aborted.status?.phase, "Degraded");
  const failed = await runFor("PostPromotion", h3);
  assert.equal(failed.status?.phase, "Failed");
  await waitFor("the active Service back on v2", async () => {
    const hash = await selectorHash(namespace, "web-active");
    return hash === h2 ? true : pending(`${hash}`);
  });
  // The watch that records the history may trail the GET above by an event.
  const history = await waitFor("the watch to see the switch back", async () => {
    const seen = selectorHistory(active, beforeV3 - 1);
    return seen.at(-1) === h2 && seen.length >= 3 ? seen : pending(JSON.stringify(seen));
  });
  assert.deepEqual(
    history,
    [h2, h3, h2],
    "the active Service switched to v3, then back to v2 once the post-promotion run failed",
  );
  assert.equal((await web.get()).status?.blueGreen?.activeSelector, h2, "status says v2 is active");
  const scales = await scalesByHash(namespace);
  assert.deepEqual(scales[h2], [2, 2], `v2 still fully scaled: ${JSON.stringify(scales)}`);
});
