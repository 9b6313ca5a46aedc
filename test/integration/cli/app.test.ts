// `kubectl sluice app ...` against a real git repository, the real API server and the Application
// controller running: list and get read what the controller wrote (the commit subject from the
// file:// repository), wait ends on the watch (and times out saying what it last saw), sync applies
// a non-automated Application, refresh makes the controller read a new commit, diff exits 0 in sync
// and 1 after a hand edit showing the field, and summarises a Rollout's new image as its canary.
// Structure only: the text itself is golden-tested in test/unit/cli.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import type { Application } from "../../../src/api/application.ts";
import type { Rollout } from "../../../src/api/rollout.ts";
import { Applications, ConfigMaps, Rollouts, Secrets } from "../../../src/kube/resources.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { testKubeConfig } from "../../helpers/kube.ts";
import { installRolloutCrd } from "../../helpers/rollouts.ts";
import { runCaptured } from "../../unit/cli/capture.ts";

const SECRET =
  "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: from-git-s3cret\n  user: admin\n";
const b64 = (text: string) => Buffer.from(text).toString("base64");

const cliIn = (namespace: string) => {
  const flags = ["-n", namespace, "--kubeconfig", requireEnv(ENV.kubeconfig)];
  return (...argv: string[]) => runCaptured([...argv, ...flags]);
};

/** The table row whose cells include all of `cells` (whitespace-split). */
const rowWith = (text: string, ...cells: string[]) =>
  text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find((row) => cells.every((c) => row.includes(c)));

test("app list, get, wait, sync, refresh and diff on a non-automated Application", async (t) => {
  const repo = await repository(t);
  const first = await repo.commit(
    { "app/a.yaml": configMap("a", "1"), "app/b.yaml": configMap("b", "1"), "app/s.yaml": SECRET },
    "first: a and b",
  );
  const { namespace, client, until, configMapValue } = await gitopsSetUp(t, "cli-app");
  const cli = cliIn(namespace);
  await client.create(Applications, application(namespace, repo.url, { syncPolicy: {} }), "test");
  await until("OutOfSync at the first commit", (a) => a.status?.sync?.revision === first);

  const list = await cli("app", "list");
  assert.equal(list.code, 0, list.err);
  assert.deepEqual(list.out.split("\n")[0]?.split(/\s+/), [
    "NAME",
    "SYNC",
    "HEALTH",
    "REVISION",
    "REPO",
    "PATH",
    "DESTINATION",
    "AGE",
  ]);
  assert.ok(rowWith(list.out, "demo", "OutOfSync", first.slice(0, 7), repo.url, "app"), list.out);
  assert.equal((await cli("app", "list", "-o", "name")).out, "application.sluice.dev/demo\n");

  const get = await cli("app", "get", "demo");
  assert.equal(get.code, 0, get.err);
  assert.match(get.out, new RegExp(`^Sync Status: +OutOfSync from main \\(${first.slice(0, 7)}\\)$`, "m"));
  assert.match(get.out, new RegExp(`^Revision: +${first} "first: a and b"$`, "m"), "the commit subject");
  assert.ok(rowWith(get.out, "ConfigMap", namespace, "a", "OutOfSync"), get.out);
  assert.ok(rowWith(get.out, "ConfigMap", namespace, "b", "OutOfSync"), get.out);
  const json = JSON.parse((await cli("app", "get", "demo", "-o", "json")).out) as Application;
  const live = await client.get<Application>(Applications, { namespace, name: "demo" });
  assert.equal(json.metadata?.uid, live.metadata?.uid);
  const missing = await cli("app", "get", "nope");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /application "nope" not found/);

  // Nothing syncs a manual Application by itself: the wait times out, naming what it saw.
  const timedOut = await cli("app", "wait", "demo", "--sync", "--timeout", "1s");
  assert.equal(timedOut.code, 1);
  assert.match(
    timedOut.err,
    /timed out after 1s waiting for application "demo" to be Synced \(last: OutOfSync/,
  );

  const before = await cli("app", "diff", "demo");
  assert.equal(before.code, 1, before.err);
  assert.match(
    before.out,
    new RegExp(`^===== /ConfigMap ${namespace}/a ======\\n--- live \\(does not exist\\)`, "m"),
  );

  const sync = await cli("app", "sync", "demo");
  assert.equal(sync.code, 0, sync.err);
  assert.match(sync.out, /application "demo": sync to main \(the target revision\) requested/);
  const waited = await cli("app", "wait", "demo", "--sync", "--health", "--timeout", "60s");
  assert.equal(waited.code, 0, waited.err);
  assert.match(waited.out, /^Synced Healthy at /m);
  assert.equal(await configMapValue("a"), "1");
  assert.equal(await configMapValue("b"), "1");
  const synced = await client.get<Application>(Applications, { namespace, name: "demo" });
  assert.deepEqual(synced.status?.operationState?.operation?.initiatedBy, {
    username: testKubeConfig().getCurrentUser()?.name,
  });

  const inSync = await cli("app", "diff", "demo");
  assert.equal(inSync.code, 0, `${inSync.out}${inSync.err}`);
  assert.equal(inSync.out, "");

  // A hand edit, as `kubectl patch` makes it: drift the diff shows field by field.
  await client.mergePatch(
    ConfigMaps,
    { namespace, name: "a" },
    { data: { value: "by-hand" } },
    "kubectl-patch",
  );
  await client.mergePatch(
    Secrets,
    { namespace, name: "s" },
    { data: { password: b64("by-hand-s3cret") } },
    "kubectl-patch",
  );
  const drifted = await cli("app", "diff", "demo");
  assert.equal(drifted.code, 1, drifted.err);
  assert.match(drifted.out, new RegExp(`^===== /ConfigMap ${namespace}/a ======$`, "m"));
  assert.match(drifted.out, /^- {2}value: by-hand$/m);
  assert.match(drifted.out, /^\+ {2}value: "1"$/m);
  assert.doesNotMatch(drifted.out, /ConfigMap [^\n]*\/b =/, "b did not change");
  // The Secret's changed key shows as a changed mask: no value, plain or base64, is printed.
  assert.match(drifted.out, new RegExp(`^===== /Secret ${namespace}/s ======$`, "m"));
  assert.match(drifted.out, /^- {2}password: \+{8} \(live\)$/m);
  assert.match(drifted.out, /^\+ {2}password: \+{8} \(git\)$/m);
  for (const value of ["s3cret", b64("from-git-s3cret"), b64("by-hand-s3cret"), "admin", b64("admin")])
    assert.ok(!drifted.out.includes(value), `the diff holds ${value}`);

  // The controller polls every 60 s: only the refresh makes it read the new commit this soon.
  const second = await repo.commit({ "app/b.yaml": configMap("b", "2") }, "second");
  const refresh = await cli("app", "refresh", "demo");
  assert.equal(refresh.code, 0, refresh.err);
  await until("the controller read the second commit", (a) => a.status?.sync?.revision === second);

  const history = await cli("app", "history", "demo");
  assert.equal(history.code, 0, history.err);
  const deployed = (await until("a deploy recorded", (a) => (a.status?.history?.length ?? 0) > 0)).status
    ?.history?.[0];
  assert.ok(history.out.includes(deployed?.revision?.slice(0, 7) ?? "?"), history.out);
  assert.equal((await cli("app", "rollback", "demo", "99")).code, 1, "no such history entry");
  const rollback = await cli("app", "rollback", "demo", String(deployed?.id));
  assert.equal(rollback.code, 0, rollback.err);
  await until(
    "rolled back, automation suspended",
    (a) => a.status?.sluice?.automationSuspended !== undefined,
  );
  const resume = await cli("app", "resume", "demo");
  assert.equal(resume.code, 0, resume.err);
  await until("automation resumed", (a) => a.status?.sluice?.automationSuspended === undefined);
});

const rollout = (image: string): Rollout => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name: "web" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } },
    strategy: {
      canary: {
        steps: [
          { setWeight: 20 },
          { pause: { duration: "1m" } },
          { analysis: { templates: [{ templateName: "smoke" }] } },
        ],
      },
    },
  },
});

test("app diff summarises a Rollout's new pod template as what its canary will do", async (t) => {
  await installRolloutCrd();
  const repo = await repository(t);
  await repo.commit({ "app/rollout.yaml": stringify(rollout("nginx:1.25")) }, "web 1.25");
  const { namespace, client, until } = await gitopsSetUp(t, "cli-app-ro");
  const cli = cliIn(namespace);
  await client.create(Applications, application(namespace, repo.url, { syncPolicy: {} }), "test");
  await until("compared", (a) => a.status?.sync?.status === "OutOfSync");

  const firstDeploy = await cli("app", "diff", "demo");
  assert.equal(firstDeploy.code, 1, firstDeploy.err);
  assert.match(firstDeploy.out, /^=> first deploy: /m);

  assert.equal((await cli("app", "sync", "demo")).code, 0);
  // The Rollout controller does not run here: its health never settles, Synced is enough.
  const waited = await cli("app", "wait", "demo", "--sync", "--timeout", "60s");
  assert.equal(waited.code, 0, waited.err);
  await client.get<Rollout>(Rollouts, { namespace, name: "web" });

  await repo.commit({ "app/rollout.yaml": stringify(rollout("nginx:1.26")) }, "web 1.26");
  const diff = await cli("app", "diff", "demo");
  assert.equal(diff.code, 1, diff.err);
  assert.match(diff.out, new RegExp(`^===== sluice.dev/Rollout ${namespace}/web ======$`, "m"));
  assert.match(diff.out, /^- +(- )?image: nginx:1\.25$/m);
  assert.match(diff.out, /^\+ +(- )?image: nginx:1\.26$/m);
  assert.match(diff.out, /^=> starts a canary: 20% → pause 1m → analysis → 100%$/m);
});
