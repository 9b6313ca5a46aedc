// The Git core's repository cache against real git repositories (made here with the git CLI):
// mirrors per repository, revisions resolved as Argo CD reads targetRevision, checkouts of the tree
// at a commit, fetches that see new commits, and URLs git must never be handed.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { GitError, git } from "../../../src/gitops/source/git.ts";
import { RepoCache } from "../../../src/gitops/source/repo-cache.ts";
import { checkRepoURL, normalizeRepoURL, RepoURLError } from "../../../src/gitops/source/repo-url.ts";
import { SourceCache } from "../../../src/gitops/source/source-cache.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

async function tempDir(t: TestContext, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A repository with main (two commits, tag v1 on the first) and a branch `feature`. */
async function upstream(t: TestContext) {
  const dir = await tempDir(t, "sluice-upstream-");
  const run = (...args: string[]) =>
    git(["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir });
  await run("init", "--quiet", "--initial-branch=main");
  const commit = async (file: string, text: string, message: string) => {
    await writeFile(join(dir, file), text);
    await run("add", file);
    await run("commit", "--quiet", "-m", message);
    return (await run("rev-parse", "HEAD")).trim();
  };
  const first = await commit("app.yaml", "version: 1\n", "first");
  await run("tag", "v1");
  const second = await commit("app.yaml", "version: 2\n", "second");
  await run("branch", "feature", first);
  return { dir, url: `file://${dir}`, first, second, commit };
}

test("revisions resolve as targetRevision: HEAD, branch, tag, full and short SHA", async (t) => {
  const repo = await upstream(t);
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"));
  await cache.fetch(repo.url);
  assert.equal(await cache.resolve(repo.url, "HEAD"), repo.second);
  assert.equal(await cache.resolve(repo.url, ""), repo.second, "empty is HEAD");
  assert.equal(await cache.resolve(repo.url, "main"), repo.second);
  assert.equal(await cache.resolve(repo.url, "refs/heads/main"), repo.second);
  assert.equal(await cache.resolve(repo.url, "v1"), repo.first);
  assert.equal(await cache.resolve(repo.url, "feature"), repo.first);
  assert.equal(await cache.resolve(repo.url, repo.first), repo.first);
  assert.equal(await cache.resolve(repo.url, repo.first.slice(0, 10)), repo.first);
  await assert.rejects(cache.resolve(repo.url, "nope"), (e: Error) => {
    assert.ok(e instanceof GitError && e.reason === "NotFound");
    assert.match(e.message, /revision "nope" not found/);
    return true;
  });
  await assert.rejects(cache.resolve(repo.url, "--output=/tmp/x"), /is not a revision/);
});

test("a checkout holds the tree at its commit and goes when released", async (t) => {
  const repo = await upstream(t);
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"), { checkoutLingerMs: 0 });
  await cache.fetch(repo.url);
  const [old, now] = await Promise.all([
    cache.checkout(repo.url, repo.first),
    cache.checkout(repo.url, repo.second),
  ]);
  assert.equal(await readFile(join(old.dir, "app.yaml"), "utf8"), "version: 1\n");
  assert.equal(await readFile(join(now.dir, "app.yaml"), "utf8"), "version: 2\n");
  await old.release();
  await now.release();
  assert.equal(existsSync(old.dir) || existsSync(now.dir), false);
});

test("checkouts of one commit share a work tree, kept a while after the last release, then removed", async (t) => {
  const repo = await upstream(t);
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"), { checkoutLingerMs: 200 });
  await cache.fetch(repo.url);
  const [a, b, other] = await Promise.all([
    cache.checkout(repo.url, repo.first),
    cache.checkout(`${repo.url}/`, repo.first),
    cache.checkout(repo.url, repo.second),
  ]);
  assert.equal(a.dir, b.dir, "one work tree for one commit of one repository");
  assert.notEqual(a.dir, other.dir);
  await a.release();
  await a.release();
  assert.equal(await readFile(join(b.dir, "app.yaml"), "utf8"), "version: 1\n", "b still holds it");
  await b.release();
  const again = await cache.checkout(repo.url, repo.first);
  assert.equal(again.dir, a.dir, "taken again while it lingers: the same work tree");
  await again.release();
  await other.release();
  await waitFor("the released work trees removed", () =>
    existsSync(a.dir) || existsSync(other.dir) ? pending("still there") : true,
  );
});

test("a fetch sees new commits; fetches asked for at once share one", async (t) => {
  const repo = await upstream(t);
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"));
  await cache.fetch(repo.url);
  assert.equal(
    await cache.resolve(repo.url, "main"),
    repo.second,
    "read once, and kept until the next fetch",
  );
  const third = await repo.commit("app.yaml", "version: 3\n", "third");
  const a = cache.fetch(repo.url);
  const b = cache.fetch(`${repo.url}/`);
  assert.equal(a, b, "the same repository (normalised URL): one fetch");
  await a;
  assert.equal(await cache.resolve(repo.url, "main"), third);
});

test("a fetch started since the instant given is reused; a refresh asked during a fetch gets one that starts after it", async (t) => {
  const repo = await upstream(t);
  const requests: string[] = [];
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"), {
    onRequest: (r) => requests.push(r.request),
  });
  await cache.fetch(repo.url);
  const newer = await repo.commit("app.yaml", "version: 10\n", "newer");
  await cache.fetch(repo.url, performance.now() - 60_000);
  assert.deepEqual(requests, ["clone"], "a recent fetch is reused");
  assert.notEqual(await cache.resolve(repo.url, "main"), newer, "so the new commit is not seen yet");
  // A poll's fetch is running when a commit lands and a refresh asks: the refresh waits for a
  // fetch that starts after it, shared by every refresh asked meanwhile.
  const running = cache.fetch(repo.url);
  const latest = await repo.commit("app.yaml", "version: 11\n", "latest");
  const refreshA = cache.fetch(repo.url);
  const refreshB = cache.fetch(repo.url);
  assert.equal(refreshA, refreshB);
  assert.notEqual(refreshA, running);
  await refreshA;
  assert.equal(await cache.resolve(repo.url, "main"), latest);
  assert.deepEqual(requests, ["clone", "fetch", "fetch"]);
});

test("every refresh of one push shares the fetch started after the push was first seen, however late it asks", async (t) => {
  const repo = await upstream(t);
  const requests: string[] = [];
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"), {
    onRequest: (r) => requests.push(r.request),
  });
  const sources = new SourceCache();
  await cache.fetch(repo.url);
  await repo.commit("app.yaml", "version: 20\n", "pushed");
  // The first Application's look sees the push's refresh value and fetches.
  const first = cache.fetch(repo.url, sources.refreshSeenAt("push-1"));
  // Another Application of the push looks later; between reading the refresh's instant and
  // asking for the fetch its look is held up (a busy CPU, a GC pause).
  const since = sources.refreshSeenAt("push-1");
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = cache.fetch(repo.url, since);
  assert.equal(second, first, "the second refresh shares the push's fetch");
  await Promise.all([first, second]);
  // After it finished too.
  await cache.fetch(repo.url, sources.refreshSeenAt("push-1"));
  assert.deepEqual(requests, ["clone", "fetch"], "one fetch for the push");
});

test("an unreachable repository is a GitError with git's words, and leaves no half-made mirror", async (t) => {
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"));
  const url = "file:///nonexistent/sluice-repo";
  await assert.rejects(cache.fetch(url), (e: Error) => {
    assert.ok(e instanceof GitError && e.reason === "Failed", e.message);
    assert.match(
      e.message,
      /git clone: .*(does not exist|not a git repository|Could not read|repository exists)/i,
    );
    return true;
  });
  assert.equal(existsSync(cache.mirrorOf(url)), false);
});

test("URLs git must not be handed are refused before git runs", () => {
  for (const [url, why] of [
    ["", /empty/],
    ["--upload-pack=touch /tmp/x", /starts with "-"/],
    ["ext::sh -c touch% /tmp/pwned", /whitespace|only https/],
    ["ext::true", /only https, http, ssh, git and file/],
    ["https://example.com/a\nb", /whitespace/],
  ] as const) {
    assert.throws(
      () => checkRepoURL(url),
      (e: Error) => e instanceof RepoURLError && why.test(e.message),
      url,
    );
  }
  for (const url of [
    "https://github.com/a/b.git",
    "git@github.com:a/b.git",
    "ssh://git@h/a",
    "file:///tmp/r",
  ])
    checkRepoURL(url);
});

test("one spelling per repository", () => {
  assert.equal(normalizeRepoURL("https://GitHub.com/Team/App.git/"), "https://github.com/Team/App");
  assert.equal(normalizeRepoURL("https://github.com/Team/App"), "https://github.com/Team/App");
  assert.equal(normalizeRepoURL("git@github.com:team/app.git"), "git@github.com:team/app");
});

test("a clone killed midway is not taken for a mirror: the next fetch clones again", async (t) => {
  const repo = await upstream(t);
  const cache = new RepoCache(await tempDir(t, "sluice-cache-"));
  // What kill -9 during `git clone --mirror` leaves: the repository made, its remote not yet
  // written, nothing fetched (git cannot clean up after SIGKILL).
  await git(["init", "--quiet", "--bare", cache.mirrorOf(repo.url)]);
  await git(["init", "--quiet", "--bare", `${cache.mirrorOf(repo.url)}.partial`]);
  await cache.fetch(repo.url);
  assert.equal(await cache.resolve(repo.url, "HEAD"), repo.second);
  assert.equal(existsSync(`${cache.mirrorOf(repo.url)}.partial`), false, "the leftover is gone");
  const next = await repo.commit("app.yaml", "version: 3\n", "third");
  await cache.fetch(repo.url);
  assert.equal(await cache.resolve(repo.url, "HEAD"), next, "and later fetches fetch into it");
});
