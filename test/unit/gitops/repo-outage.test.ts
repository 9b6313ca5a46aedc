// The repository cache against a real Git HTTP server (git http-backend on loopback, no cluster)
// that goes down as a remote does: stopped (connections refused) or hung (connections accepted,
// never answered), then serving again on the same port. A hung remote must cost one fetch
// deadline, never more; the mirror stays usable through both.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { GitError } from "../../../src/gitops/source/git.ts";
import { RepoCache } from "../../../src/gitops/source/repo-cache.ts";
import { GitHttpServer } from "../../helpers/git-http.ts";
import { repository } from "../../helpers/gitops.ts";

async function served(t: TestContext) {
  const repo = await repository(t);
  await repo.commit({ "app/cm.yaml": "kind: ConfigMap\n" }, "first");
  const server = await GitHttpServer.start();
  t.after(() => server.close());
  const url = server.serve("app", repo.dir);
  const root = await mkdtemp(join(tmpdir(), "sluice-cache-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const cache = new RepoCache(root, { fetchTimeoutMs: 1_500 });
  await cache.fetch(url);
  return { repo, server, url, cache };
}

const failsWith = (reason: GitError["reason"], words: RegExp) => (e: Error) => {
  assert.ok(e instanceof GitError, e.message);
  assert.equal(e.reason, reason, e.message);
  assert.match(e.message, words);
  return true;
};

test("a stopped remote fails a fetch at once; on the same port again, the next fetch gets it", async (t) => {
  const { repo, server, url, cache } = await served(t);
  await server.close();
  const started = performance.now();
  await assert.rejects(cache.fetch(url), failsWith("Failed", /git fetch: .*(connect|refused)/i));
  assert.ok(performance.now() - started < 1_500, "refused, not waited on");
  const next = await repo.commit({ "app/cm.yaml": null }, "while the remote was down");
  await server.resume();
  await cache.fetch(url);
  assert.equal(await cache.resolve(url, "HEAD"), next);
});

test("a hung remote is given up on at the fetch deadline; once it answers, the next fetch gets it", async (t) => {
  const { repo, server, url, cache } = await served(t);
  server.hang();
  const started = performance.now();
  await assert.rejects(cache.fetch(url), failsWith("Timeout", /git fetch: no answer within 1500ms/));
  const waited = performance.now() - started;
  assert.ok(waited >= 1_400 && waited < 10_000, `waited ${waited} ms for a 1.5 s deadline`);
  const next = await repo.commit({ "app/cm.yaml": null }, "while the remote hung");
  await server.resume();
  await cache.fetch(url);
  assert.equal(await cache.resolve(url, "HEAD"), next);
});
