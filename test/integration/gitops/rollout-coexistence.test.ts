// Issue 12's coexistence proof: a Rollout, its two Services, its stable Ingress and an
// AnalysisTemplate live in a real git repository; an Application (automated, prune, selfHeal)
// applies them and the real Rollout controller drives them, in one sluice. A new image committed to
// Git walks a full nginx canary (weights, timed pauses, a job analysis) without the two fighting:
// the Application stays Synced at the new commit while its health follows the Rollout's
// (Suspended at a pause, Progressing as it walks on, Healthy after), and the API server's audit log
// shows sluice-gitops never touched what the Rollout controller owns (ReplicaSets, canary Ingress,
// AnalysisRuns), wrote nothing to the Services after the first sync, and applied the new Rollout
// once. The Rollout controller's own writes are checked too, so a canary that never ran fails.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { GITOPS_FIELD_MANAGER } from "../../../src/gitops/apply/sync.ts";
import { applicationControllerWith } from "../../../src/gitops/controller.ts";
import { Applications, Rollouts } from "../../../src/kube/resources.ts";
import { ROLLOUT_FIELD_MANAGER, rolloutController } from "../../../src/rollout/controller.ts";
import {
  type AuditEvent,
  auditMark,
  auditMatches,
  auditUntilNow,
  describeAudit,
  fieldManagerOf,
  SLUICE_AGENT,
} from "../../helpers/audit.ts";
import { repository } from "../../helpers/gitops.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd, selectorHash } from "../../helpers/rollouts.ts";
import { ensureCrd, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { recordWatch } from "../../helpers/watch.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../../crds/application.yaml");
const CANARY_INGRESS = "web-web-ing-canary";

const service = (name: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
});

const stableIngress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "web-ing" },
  spec: {
    ingressClassName: "nginx",
    rules: [
      {
        host: "web.example.com",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "web-stable", port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

// A job metric: one Job whose pod kwok runs to completion, so the step's run succeeds.
const smokeTemplate = {
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisTemplate",
  metadata: { name: "smoke" },
  spec: {
    metrics: [
      {
        name: "smoke",
        count: 1,
        provider: {
          job: {
            spec: {
              backoffLimit: 0,
              template: {
                spec: {
                  restartPolicy: "Never",
                  containers: [{ name: "check", image: "registry.example/check:1" }],
                },
              },
            },
          },
        },
      },
    ],
  },
};

const STEPS = [
  { setWeight: 20 },
  { pause: { duration: "2s" } },
  { analysis: { templates: [{ templateName: "smoke" }] } },
  { setWeight: 60 },
  { pause: { duration: "2s" } },
];

const rollout = (image: string): Rollout => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web" },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image }] },
    },
    strategy: {
      canary: {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting: { nginx: { stableIngress: "web-ing" } },
        steps: STEPS as never,
      },
    },
  },
});

const manifests = (image: string) => ({
  "app/services.yaml": [service("web-stable"), service("web-canary")].map((s) => stringify(s)).join("---\n"),
  "app/ingress.yaml": stringify(stableIngress),
  "app/analysis.yaml": stringify(smokeTemplate),
  "app/rollout.yaml": stringify(rollout(image)),
});

const application = (namespace: string, url: string): Application => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "web", namespace },
  spec: {
    project: "default",
    source: { repoURL: url, targetRevision: "main", path: "app" },
    destination: { server: "https://kubernetes.default.svc", namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  },
});

async function setUp(t: TestContext) {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  await installRolloutCrd();
  const namespace = await useNamespace(t, "coexist");
  await startSluice(
    t,
    [rolloutController, analysisRunController, applicationControllerWith({ pollMs: 60_000 })],
    { namespace },
  );
  const client = testClient();
  const ref = { namespace, name: "web" };
  const describe = (a: Application) =>
    JSON.stringify({
      sync: a.status?.sync?.status,
      revision: a.status?.sync?.revision?.slice(0, 7),
      health: a.status?.health,
      op: a.status?.operationState?.message,
      outOfSync: a.status?.resources
        ?.filter((r) => r.status !== "Synced")
        .map((r) => `${r.kind}/${r.name}: ${r.message ?? ""}`),
      conditions: a.status?.conditions?.map((c) => `${c.type}: ${c.message}`),
    });
  const appUntil = (what: string, ok: (a: Application) => boolean, timeoutMs = 30_000) =>
    waitFor(
      what,
      async () => {
        const a = await client.get<Application>(Applications, ref);
        return ok(a) ? a : pending(describe(a));
      },
      { timeoutMs },
    );
  const rolloutUntil = (what: string, ok: (r: Rollout) => boolean) =>
    waitFor(
      what,
      async () => {
        const r = await client.get<Rollout>(Rollouts, ref);
        return ok(r)
          ? r
          : pending(JSON.stringify({ phase: r.status?.phase, step: r.status?.currentStepIndex }));
      },
      { timeoutMs: 30_000 },
    );
  const refresh = () =>
    client.mergePatch(
      Applications,
      ref,
      { metadata: { annotations: { "sluice.dev/refresh": "normal" } } },
      "test",
    );
  return { namespace, client, appUntil, rolloutUntil, refresh };
}

const syncedAt = (sha: string) => (a: Application) =>
  a.status?.sync?.status === "Synced" && a.status.sync.revision === sha;
const healthy = (a: Application) => a.status?.health?.status === "Healthy";
const rolloutHealthOf = (a: Application) => a.status?.resources?.find((r) => r.kind === "Rollout")?.health;

/** What the Application showed from the moment it first reported `sha` Synced (watch events, in order). */
function shownSince(events: readonly { object: Application }[], sha: string) {
  const from = events.findIndex((e) => syncedAt(sha)(e.object));
  assert.ok(from >= 0, `the Application reported ${sha.slice(0, 7)} Synced`);
  return events.slice(from).map((e) => e.object);
}

const query = (e: AuditEvent) => new URLSearchParams(e.requestURI.split("?")[1] ?? "");
const isDryRun = (e: AuditEvent) => query(e).has("dryRun");
const byGitops = (e: AuditEvent) => fieldManagerOf(e) === GITOPS_FIELD_MANAGER;
const byRollouts = (e: AuditEvent) => fieldManagerOf(e) === ROLLOUT_FIELD_MANAGER;
/** Requests as "patch services/web-stable 200 ×3, …", in the order first seen. */
const tally = (events: AuditEvent[]) => {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(describeAudit(e), (counts.get(describeAudit(e)) ?? 0) + 1);
  return [...counts].map(([what, n]) => (n > 1 ? `${what} ×${n}` : what)).join(", ") || "none";
};
const WRITES = ["create", "update", "patch", "delete", "deletecollection"];

/** The objects only the Rollout controller (and what it starts) may touch: never in the Git core's requests. */
const controllerOwned = (e: AuditEvent) => {
  const ref = e.objectRef ?? {};
  return (
    ["replicasets", "pods", "analysisruns", "jobs"].includes(ref.resource ?? "") ||
    (ref.resource === "ingresses" && ref.name === CANARY_INGRESS)
  );
};

/**
 * What the audit log says against the claim that the Git core and the Rollout controller never
 * fight, one line per broken part (empty: none). `whole` is every request in the test's namespace
 * from before the Application existed; `afterFirstSync` those from v1 Synced and Healthy on.
 */
function fightsIn(whole: AuditEvent[], afterFirstSync: AuditEvent[]): string[] {
  const problems: string[] = [];
  const check = (events: AuditEvent[], claim: string) => {
    if (events.length > 0) problems.push(`${claim}; saw: ${tally(events)}`);
  };
  // §8 point 3: what the Rollout controller creates is never in the Git core's hands, not even in
  // a dry run (it is not in the Application's inventory, so there is nothing to compare).
  check(
    whole.filter((e) => byGitops(e) && controllerOwned(e)),
    "sluice-gitops never touches ReplicaSets, pods, AnalysisRuns, Jobs or the canary Ingress",
  );
  // §8 points 1–2: the Services' selectors are the Rollout controller's; after the first sync the
  // Git core writes nothing to the Services (a dry run, as a diff makes, is not a write).
  check(
    afterFirstSync.filter((e) => byGitops(e) && !isDryRun(e) && e.objectRef?.resource === "services"),
    "no sluice-gitops write to the Services after the first sync",
  );
  // Nothing Git holds is pruned or deleted by any sluice process (deletes carry no field manager,
  // so this covers the Git core and the Rollout controller alike).
  check(
    whole.filter(
      (e) =>
        auditMatches(e, { userAgent: SLUICE_AGENT, verbs: ["delete", "deletecollection"] }) &&
        ["services", "ingresses", "rollouts", "analysistemplates"].includes(e.objectRef?.resource ?? ""),
    ),
    "nothing Git holds is deleted",
  );
  // The new Rollout is applied once (twice at most), not again and again during the canary.
  const applies = afterFirstSync.filter(
    (e) =>
      byGitops(e) &&
      !isDryRun(e) &&
      auditMatches(e, {
        resource: "rollouts",
        name: "web",
        subresource: null,
        verbs: WRITES,
        succeeded: true,
      }),
  );
  if (applies.length < 1 || applies.length > 2)
    problems.push(`sluice-gitops applied the v2 Rollout ${applies.length} times, want 1 (at most 2)`);
  // Sanity: the Rollout controller did drive the canary through the objects it owns.
  const controllerWrote = (resource: string, verb: string, name?: string) =>
    afterFirstSync.filter(
      (e) =>
        byRollouts(e) &&
        auditMatches(e, { resource, verbs: [verb], succeeded: true, ...(name ? { name } : {}) }),
    ).length;
  for (const [resource, verb, name, least] of [
    ["replicasets", "create", undefined, 1],
    ["services", "patch", undefined, 2],
    ["ingresses", "patch", CANARY_INGRESS, 2],
    ["analysisruns", "create", undefined, 1],
  ] as const) {
    const n = controllerWrote(resource, verb, name);
    if (n < least) problems.push(`sluice-rollout: ${verb} ${resource} ${n} times, want ≥ ${least}`);
  }
  return problems;
}

/** What the user saw on the Application from the v2 sync on, event by event, against the claim. */
function shownProblems(shown: Application[], v2: string): string[] {
  const problems: string[] = [];
  const seen = (a: Application) =>
    `${a.status?.sync?.status}@${a.status?.sync?.revision?.slice(0, 7)}/${a.status?.health?.status}`;
  const timeline = shown.map(seen).filter((x, i, all) => x !== all[i - 1]);
  if (!shown.every(syncedAt(v2)))
    problems.push(`the Application left Synced at v2 during the canary: ${timeline.join(" → ")}`);
  if (!shown.every((a) => a.status?.health?.status === rolloutHealthOf(a)?.status))
    problems.push(`the Application's health was not the Rollout's: ${timeline.join(" → ")}`);
  // Suspended while a timed pause holds the canary, then Progressing again when it walks on: the
  // Application followed the Rollout through the canary, not only the moment its spec changed.
  const healths = shown.map((a) => a.status?.health?.status);
  const paused = healths.indexOf("Suspended");
  if (paused < 0 || !healths.slice(paused).includes("Progressing"))
    problems.push(`not Suspended at a pause, then Progressing again: ${timeline.join(" → ")}`);
  return problems;
}

/** The cluster as Git and the Rollout controller left it: Git's image, the controller's selectors. */
async function assertLeftAsExpected(namespace: string, stableRS: string | undefined) {
  const live = await testClient().get<Rollout>(Rollouts, { namespace, name: "web" });
  const containers = live.spec?.template?.spec?.containers as { image?: string }[] | undefined;
  assert.equal(containers?.[0]?.image, "registry.example/web:2");
  assert.equal(await selectorHash(namespace, "web-stable"), stableRS);
  assert.equal(await selectorHash(namespace, "web-canary"), stableRS);
}

test("a Rollout from Git walks a full canary driven by the Rollout controller: the Application stays Synced, its health follows, and sluice-gitops writes none of the controller's objects", async (t) => {
  const repo = await repository(t);
  const v1 = await repo.commit(manifests("registry.example/web:1"), "web 1");
  const { namespace, client, appUntil, rolloutUntil, refresh } = await setUp(t);
  const start = await auditMark();
  await client.create(Applications, application(namespace, repo.url), "test");

  // v1: applied, the Rollout's first version goes straight to 100 %, the Application is Healthy.
  const first = await appUntil("v1 Synced and Healthy", (a) => syncedAt(v1)(a) && healthy(a));
  assert.deepEqual(first.status?.resources?.map((r) => `${r.kind}/${r.name}`).sort(), [
    "AnalysisTemplate/smoke",
    "Ingress/web-ing",
    "Rollout/web",
    "Service/web-canary",
    "Service/web-stable",
  ]);
  const v1Rollout = await rolloutUntil("v1 Healthy", (r) => r.status?.phase === "Healthy");
  const afterFirstSync = await auditMark();

  // v2: a new image in Git; the refresh reads it; the Rollout controller walks the canary.
  const appWatch = recordWatch<Application>(t, Applications, {
    namespace,
    fieldSelector: "metadata.name=web",
  });
  const v2 = await repo.commit(manifests("registry.example/web:2"), "web 2");
  await refresh();
  // Synced at v2 means the new Rollout was applied (a sync that failed, e.g. on a conflict with the
  // Rollout controller's fields, says why here).
  await appUntil("v2 applied: Synced at the new commit", syncedAt(v2), 15_000);
  const done = await rolloutUntil(
    "v2 promoted: Healthy with the new ReplicaSet stable",
    (r) =>
      r.status?.phase === "Healthy" &&
      r.status.stableRS !== v1Rollout.status?.stableRS &&
      r.status.stableRS === r.status.currentPodHash,
  );
  // Every broken part of the claim is collected, so one run shows them all.
  const problems: string[] = [];
  await appUntil(
    "Synced at v2 and Healthy after the canary",
    (a) => syncedAt(v2)(a) && healthy(a),
    15_000,
  ).then(
    () =>
      appWatch.until("the watch to see it", (seen) =>
        seen.some((e) => syncedAt(v2)(e.object) && healthy(e.object)) ? true : undefined,
      ),
    (error: Error) => problems.push(error.message),
  );
  const shown = shownSince(appWatch.events, v2);
  t.diagnostic(
    `Application health from the v2 sync on: ${shown.map((a) => a.status?.health?.status).join(" → ")}`,
  );
  problems.push(...shownProblems(shown, v2));

  // The audit log (shared with other tests: only this namespace counts).
  const mine = (events: AuditEvent[]) => events.filter((e) => e.objectRef?.namespace === namespace);
  const whole = mine(await auditUntilNow(start, namespace));
  const since = mine(await auditUntilNow(afterFirstSync, namespace));
  t.diagnostic(
    `sluice-gitops writes after the first sync: ${tally(since.filter((e) => byGitops(e) && !isDryRun(e)))}`,
  );
  problems.push(...fightsIn(whole, since));
  assert.deepEqual(problems, [], "the Git core and the Rollout controller did not coexist");
  await assertLeftAsExpected(namespace, done.status?.stableRS);
});
