// Issue 15's demo proof: the demo's story in fast mode, on the shared cluster, with the demo's own
// pieces (sample exporter scraped by the harness's Prometheus, sluice as a child process the way
// `npm run demo` runs it, a real git repository). What a user would check is read back from the
// cluster, not taken from the story's word: a watch on the Rollout saw v1 and then v2 Healthy as
// the stable version; at the end the Rollout is aborted with v2 still stable, the Application is
// Synced at the v3-bad commit (read from git) and Degraded naming it, and the AnalysisRuns say
// the v2 canary passed and the v3-bad one failed.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { replicaSetImage } from "../../../demo/exporter.ts";
import { PACES } from "../../../demo/manifests.ts";
import { Narrator } from "../../../demo/narrate.ts";
import { openSession, type Session } from "../../../demo/session.ts";
import { APPLICATION, Story } from "../../../demo/story.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { git } from "../../../src/gitops/source/git.ts";
import { AnalysisRuns, Applications, ReplicaSets, Rollouts } from "../../../src/kube/resources.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
import { recordWatch } from "../../helpers/watch.ts";

const imageOf = (r: Rollout) =>
  (r.spec?.template?.spec?.containers as { image?: string }[] | undefined)?.[0]?.image ?? "";

/** A Rollout that its controller has seen at this generation, Healthy, with the new version stable. */
const healthyOn = (r: Rollout, image: string) =>
  imageOf(r) === image &&
  r.status?.observedGeneration === r.metadata?.generation &&
  r.status?.phase === "Healthy" &&
  r.status.stableRS === r.status.currentPodHash;

test("demo --fast: v1 synced Healthy, v2 promoted by a passing canary, v3-bad aborted and the Application Degraded naming it", async (t) => {
  const started = Date.now();
  // The Rollout CRD first: the watch below needs the kind served.
  await installRolloutCrd();
  // node:test runs after-hooks in the order they were added, so this one, added before the
  // namespace's, stops sluice and then takes its finalizer off the Rollout before the namespace
  // is deleted: with no controller left, the finalizer would hold the namespace in Terminating.
  let session: Session | undefined;
  let namespace = "";
  t.after(async () => {
    await session?.stop();
    await testClient()
      .mergePatch(Rollouts, { namespace, name: "web" }, { metadata: { finalizers: null } }, "sluice-test")
      .catch(() => undefined);
  });
  namespace = await useNamespace(t, "demo");
  const workDir = await mkdtemp(join(tmpdir(), "sluice-demo-test-"));
  t.after(() => rm(workDir, { recursive: true, force: true }));
  const transcript: string[] = [];
  const narrator = new Narrator((line) => transcript.push(line));
  session = await openSession({
    cluster: {
      kubeconfig: requireEnv(ENV.kubeconfig),
      prometheusUrl: requireEnv(ENV.prometheusUrl),
      prometheusTargetsDir: requireEnv(ENV.prometheusTargets),
    },
    namespace,
    workDir,
    createNamespace: false,
    repoPoll: "10s",
    say: (text) => narrator.say(text),
  });
  const rollouts = recordWatch<Rollout>(t, Rollouts, { namespace });

  const story = new Story(session, { pace: PACES.fast, narrator, chapterTimeoutMs: 60_000 });
  try {
    await story.run();
  } finally {
    t.diagnostic(`transcript:\n${transcript.join("\n")}`);
    t.diagnostic(`sluice log: ${session.controller.logFile}`);
  }
  t.diagnostic(`story told in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const seen = rollouts.events.map((e) => e.object);
  const v1 = seen.findIndex((r) => healthyOn(r, "registry.example/web:v1"));
  const v2 = seen.findIndex((r) => healthyOn(r, "registry.example/web:v2"));
  assert.ok(v1 >= 0, "the watch saw v1 Healthy");
  assert.ok(v2 > v1, "the watch saw v2 Healthy, after v1");
  assert.ok(
    !seen.some((r) => healthyOn(r, "registry.example/web:v3-bad")),
    "v3-bad never became the Healthy stable version",
  );

  const client = testClient();
  const web = await client.get<Rollout>(Rollouts, { namespace, name: "web" });
  assert.equal(imageOf(web), "registry.example/web:v3-bad", "Git's v3-bad template is applied");
  assert.equal(web.status?.abort, true, "the v3-bad rollout is aborted");
  assert.equal(web.status?.phase, "Degraded");
  const replicaSets = await client.list<ReplicaSet>(ReplicaSets, { namespace });
  const stable = replicaSets.items.find(
    (rs) => rs.metadata?.labels?.["rollouts-pod-template-hash"] === web.status?.stableRS,
  );
  assert.equal(
    stable && replicaSetImage(stable),
    "registry.example/web:v2",
    "v2 is still the stable version",
  );

  const head = (await git(["rev-parse", "HEAD"], { cwd: session.repo.dir })).trim();
  const app = await client.get<Application>(Applications, { namespace, name: APPLICATION });
  assert.equal(app.status?.sync?.status, "Synced");
  assert.equal(app.status?.sync?.revision, head, "the Application compared against the v3-bad commit");
  assert.equal(app.status?.health?.status, "Degraded");
  assert.match(
    app.status?.health?.message ?? "",
    new RegExp(`Rollout web failed at revision ${head.slice(0, 7)}`),
  );

  const runs = (await client.list<AnalysisRun>(AnalysisRuns, { namespace })).items;
  const phaseFor = (hash: string | undefined) =>
    runs
      .filter((r) => r.metadata?.labels?.["rollouts-pod-template-hash"] === hash)
      .map((r) => r.status?.phase);
  assert.deepEqual(phaseFor(web.status?.stableRS), ["Successful"], "v2's canary analysis passed");
  assert.deepEqual(phaseFor(web.status?.currentPodHash), ["Failed"], "v3-bad's canary analysis failed");

  // The narration said so too, in words a person reads.
  const text = transcript.join("\n");
  assert.match(text, /rollout web: Healthy — v1 serves all traffic/);
  assert.match(text, /rollout web: Healthy — v2 serves all traffic/);
  assert.match(text, /rollout web: ABORTED — .*traffic back on v2/);
  assert.match(text, new RegExp(`application web: Synced at ${head.slice(0, 7)} .*Degraded`));
});
