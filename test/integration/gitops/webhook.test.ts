// The Git webhook receiver against a real git repository, the real API server and the Application
// controller polling only once an hour, so only a webhook can make a new commit land in time: a
// signed GitHub push for the branch refreshes and applies it; a bad signature (401), an oversized
// payload (413) and a push to another branch refresh nothing (the Application never carries a
// refresh value of theirs, and the commit waits); a GitLab push with its token applies it. Then the
// time from push to object applied, over 20 pushes.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { microTime } from "../../../src/controller/leader-election.ts";
import { git } from "../../../src/gitops/source/git.ts";
import { WEBHOOK_REFRESH_ANNOTATION } from "../../../src/gitops/webhook/refresh.ts";
import { Applications, ConfigMaps, Leases, Secrets } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { metricValue, startSluice } from "../../helpers/sluice.ts";
import { pending, waitFor } from "../../helpers/wait.ts";
import { recordWatch } from "../../helpers/watch.ts";

const SECRET = "webhook-test-secret";
const GITLAB_TOKEN = "gitlab-test-token";
const HOUR = 3_600_000;

type ConfigMap = KubeObject & { data?: Record<string, string> };

async function setUp(t: Parameters<typeof gitopsSetUp>[0], prefix: string) {
  const repo = await repository(t);
  const first = await repo.commit({ "app/a.yaml": configMap("a", "1") }, "first");
  const env = await gitopsSetUp(t, prefix, { pollMs: HOUR }, { webhook: true });
  const { namespace, client, sluice } = env;
  const data = { "github.secret": SECRET, "gitlab.secret": GITLAB_TOKEN };
  await client.create(
    Secrets,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "sluice-webhook", namespace },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    } as KubeObject,
    "test",
  );
  await client.create(Applications, application(namespace, repo.url), "test");
  await env.until("Synced at the first commit", (a) => a.status?.sync?.revision === first);
  const url = `http://127.0.0.1:${sluice.webhookPort}/api/webhook`;
  const push = (ref: string, options: { secret?: string; pad?: number } = {}) =>
    githubPush(url, repo.url, ref, options);
  return { ...env, repo, url, githubPush: push };
}

/** A GitHub push delivery for `ref` of `repoURL`, signed with `secret`. */
function githubPush(
  url: string,
  repoURL: string,
  ref: string,
  options: { secret?: string; pad?: number } = {},
) {
  const body = JSON.stringify({
    ref,
    repository: {
      html_url: "https://github.example.com/team/other-spelling",
      clone_url: `${repoURL}.git`,
      default_branch: "main",
    },
    ...(options.pad ? { pad: "x".repeat(options.pad) } : {}),
  });
  const signature = createHmac("sha256", options.secret ?? SECRET)
    .update(body)
    .digest("hex");
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-hub-signature-256": `sha256=${signature}`,
    },
    body,
  });
}

test("a signed push refreshes and applies; a bad signature, an oversized payload and another branch refresh nothing", async (t) => {
  const env = await setUp(t, "webhook");
  const { namespace, repo, githubPush, until, configMapValue, sluice } = env;
  const apps = recordWatch<Application>(t, Applications, { namespace, fieldSelector: "metadata.name=demo" });
  const refreshValues = () =>
    new Set(
      apps.events.map((e) => e.object.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION]).filter(Boolean),
    );

  const second = await repo.commit({ "app/a.yaml": configMap("a", "2") }, "second");
  const ok = await githubPush("refs/heads/main");
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { refreshed: 1 });
  await until(
    "Synced at the second commit through the webhook, the refresh annotation taken off",
    (a) =>
      a.status?.sync?.revision === second &&
      a.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION] === undefined,
  );
  assert.equal(await configMapValue("a"), "2");
  assert.equal(refreshValues().size, 1, "the push set the refresh annotation once");

  // A third commit that only a refresh can bring: none of these may ask for one.
  await repo.commit({ "app/a.yaml": configMap("a", "3") }, "third");
  const forged = await githubPush("refs/heads/main", { secret: "not-the-secret" });
  assert.equal(forged.status, 401);
  const oversized = await githubPush("refs/heads/main", { pad: 1024 * 1024 });
  assert.equal(oversized.status, 413);
  await git(["-C", repo.dir, "branch", "dev"]);
  const otherBranch = await githubPush("refs/heads/dev");
  assert.equal(otherBranch.status, 200);
  assert.deepEqual(await otherBranch.json(), { refreshed: 0 });
  const tag = await githubPush("refs/tags/main-is-not-a-tag");
  assert.deepEqual(await tag.json(), { refreshed: 0 });

  // The receiver writes before it answers, so had any of them set the annotation it would be there
  // by now; the GitLab push below is the marker after which the watch is read.
  const gitlabBody = JSON.stringify({
    ref: "refs/heads/main",
    project: { git_http_url: repo.url.toUpperCase().replace("FILE://", "file://"), default_branch: "main" },
  });
  const gitlabHeaders = { "content-type": "application/json", "x-gitlab-event": "Push Hook" };
  const wrongToken = await fetch(env.url, {
    method: "POST",
    headers: { ...gitlabHeaders, "x-gitlab-token": `${GITLAB_TOKEN}x` },
    body: gitlabBody,
  });
  assert.equal(wrongToken.status, 401);
  assert.equal(await configMapValue("a"), "2", "the third commit waits: nothing refreshed");
  const third = (await git(["-C", repo.dir, "rev-parse", "HEAD"])).trim();
  const gitlab = await fetch(env.url, {
    method: "POST",
    headers: { ...gitlabHeaders, "x-gitlab-token": GITLAB_TOKEN },
    body: gitlabBody,
  });
  assert.equal(gitlab.status, 200);
  await until(
    "Synced at the third commit through the GitLab webhook",
    (a) =>
      a.status?.sync?.revision === third &&
      a.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION] === undefined,
  );
  assert.equal(await configMapValue("a"), "3");
  assert.equal(refreshValues().size, 2, "only the two authentic pushes for main asked for a refresh");

  const metric = (provider: string, result: string) =>
    metricValue(
      sluice.metricsPort,
      `sluice_webhook_requests_total{provider="${provider}",result="${result}"}`,
    );
  assert.equal(await metric("github", "refreshed"), 1);
  assert.equal(await metric("github", "bad_signature"), 1);
  assert.equal(await metric("github", "too_large"), 1);
  assert.equal(await metric("github", "no_match"), 2);
  assert.equal(await metric("gitlab", "bad_signature"), 1);
  assert.equal(await metric("gitlab", "refreshed"), 1);
});

/** Fetches of Git remotes the controller has made (sluice_git_request_total, request="fetch"). */
async function fetchesMade(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("sluice_git_request_total{") && line.includes('request="fetch"'))
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

test("one push refreshing several Applications of a repository fetches it once", async (t) => {
  const env = await setUp(t, "webhook-fanout");
  const { namespace, client, repo, githubPush, sluice } = env;
  const paths = ["p1", "p2", "p3", "p4", "p5"];
  const files = (value: string) =>
    Object.fromEntries(paths.map((p) => [`${p}/cm.yaml`, configMap(`cm-${p}`, value)]));
  const first = await repo.commit(files("1"), "five apps");
  for (const p of paths) {
    const app = application(namespace, repo.url, {
      source: { repoURL: repo.url, targetRevision: "main", path: p },
    });
    await client.create(Applications, { ...app, metadata: { ...app.metadata, name: `app-${p}` } }, "test");
  }
  const synced = (sha: string) => async () => {
    const apps = (await client.list<Application>(Applications, { namespace })).items;
    const at = apps.filter((a) => a.metadata?.name?.startsWith("app-") && a.status?.sync?.revision === sha);
    const refreshing = apps.some((a) => a.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION] !== undefined);
    return at.length === paths.length && !refreshing ? true : pending(`${at.length} at ${sha}`);
  };
  // The poll is an hour: a push brings them to the commit that made their paths.
  assert.equal((await githubPush("refs/heads/main")).status, 200);
  await waitFor("the five Applications Synced at the first commit", synced(first));
  const before = await fetchesMade(sluice.metricsPort);
  const second = await repo.commit(files("2"), "all five change");
  const res = await githubPush("refs/heads/main");
  assert.deepEqual(await res.json(), { refreshed: paths.length + 1 }, "demo and the five");
  await waitFor("the five Applications Synced at the pushed commit", synced(second));
  assert.equal(
    await fetchesMade(sluice.metricsPort),
    before + 1,
    "one fetch served every refresh of the push",
  );
});

test("time from a push to the object applied, over 20 pushes", async (t) => {
  const env = await setUp(t, "webhook-latency");
  const { namespace, repo, githubPush, until } = env;
  const configMaps = recordWatch<ConfigMap>(t, ConfigMaps, { namespace, fieldSelector: "metadata.name=a" });
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const value = `push-${i}`;
    const sha = await repo.commit({ "app/a.yaml": configMap("a", value) }, value);
    const pushedAt = Date.now();
    const res = await githubPush("refs/heads/main");
    assert.equal(res.status, 200);
    const index = await configMaps.until(`a=${value}`, (events) => {
      const at = events.findIndex((e) => e.object.data?.value === value);
      return at < 0 ? undefined : at;
    });
    latencies.push((configMaps.arrivals[index] ?? Number.NaN) - pushedAt);
    // One push at a time: the next is sent once this refresh is done, so each figure is one push's.
    await until(
      `refresh ${i} done`,
      (a) =>
        a.status?.sync?.revision === sha &&
        a.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION] === undefined,
    );
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  t.diagnostic(
    `push → ConfigMap applied over ${sorted.length} pushes: p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms, ` +
      `min ${sorted[0]} ms, max ${sorted.at(-1)} ms`,
  );
  assert.equal(latencies.filter(Number.isFinite).length, 20);
});

test("a standby replica's receiver sets the refresh annotation and the leader applies the commit", async (t) => {
  const env = await setUp(t, "webhook-standby");
  const { namespace, client, repo, until, configMapValue } = env;
  // Another replica holds the Lease for an hour: this one stands by, its write fence closed.
  const lease = "webhook-standby";
  await client.create(
    Leases,
    {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: lease, namespace },
      spec: { holderIdentity: "the-leader", leaseDurationSeconds: 3600, renewTime: microTime(Date.now()) },
    } as KubeObject,
    "test",
  );
  const standby = await startSluice(t, [], {
    leaderElect: true,
    leaderElectionNamespace: namespace,
    leaderElectionId: lease,
    identity: "standby",
    applicationNamespace: namespace,
    webhookAddr: "127.0.0.1:0",
  });
  const second = await repo.commit({ "app/a.yaml": configMap("a", "standby") }, "second");
  const res = await githubPush(
    `http://127.0.0.1:${standby.webhookPort}/api/webhook`,
    repo.url,
    "refs/heads/main",
  );
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { refreshed: 1 });
  await until(
    "the leader applied the commit the standby's webhook announced",
    (a) => a.status?.sync?.revision === second,
  );
  assert.equal(await configMapValue("a"), "standby");
  const held = await client.get<KubeObject & { spec?: { holderIdentity?: string } }>(Leases, {
    namespace,
    name: lease,
  });
  assert.equal(held.spec?.holderIdentity, "the-leader", "the receiver never led");
  assert.equal(standby.kernel.notReadyReason(), "kernel new", "its kernel never started");
});
