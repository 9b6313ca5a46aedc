// The repository cache against real private servers on loopback (no cluster): `git http-backend`
// behind basic auth and sshd with a test key. Every git the cache runs goes through a recording
// `git` first on PATH, so the tests can say no password or key ever was in an argument list; the
// temp dir is this process's own, so they can say every askpass/ssh file was removed.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import type { GitCredentials } from "../../../src/gitops/source/credentials.ts";
import { GitError, git } from "../../../src/gitops/source/git.ts";
import { RepoCache } from "../../../src/gitops/source/repo-cache.ts";
import { httpGitServer, sshGitServer, sshKeyPair, testSecret } from "../../helpers/git-servers.ts";
import { repository } from "../../helpers/gitops.ts";

let work = "";
let argvLog = "";
const realPath = process.env.PATH;
const realTmp = process.env.TMPDIR;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "sluice-creds-git-"));
  const bin = join(work, "bin");
  argvLog = join(work, "argv.log");
  await writeFile(argvLog, "");
  await mkdir(bin);
  await mkdir(join(work, "tmp"));
  const realGit = (realPath ?? "/usr/bin")
    .split(":")
    .map((d) => join(d, "git"))
    .find((f) => existsSync(f));
  assert.ok(realGit, "git on PATH");
  await writeFile(
    join(bin, "git"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`,
  );
  await chmod(join(bin, "git"), 0o755);
  process.env.PATH = `${bin}:${realPath}`;
  process.env.TMPDIR = join(work, "tmp");
});

after(async () => {
  process.env.PATH = realPath;
  if (realTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = realTmp;
  await rm(work, { recursive: true, force: true });
});

/** No git argument list held any of `secrets`, and no askpass/ssh dir is left behind. */
async function noTraces(secrets: string[]) {
  const argv = await readFile(argvLog, "utf8");
  assert.ok(argv.includes("clone --mirror"), "the recording git ran");
  for (const secret of secrets) assert.ok(!argv.includes(secret), "a secret was in git's argv");
  const left = (await readdir(join(work, "tmp"))).filter((n) => n.startsWith("sluice-git-auth-"));
  assert.deepEqual(left, [], "askpass/ssh files removed");
}

async function cacheWith(t: TestContext, credentials: (url: string) => GitCredentials | undefined) {
  const root = await mkdtemp(join(tmpdir(), "sluice-cache-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  return new RepoCache(root, { fetchTimeoutMs: 20_000, credentials: async (url) => credentials(url) });
}

const authFailure = (url: string, reason: string, words: RegExp, secret: string) => (error: Error) => {
  assert.ok(error instanceof GitError, String(error));
  assert.equal(error.reason, reason);
  assert.ok(error.message.includes(url.replace(/:[^:@/]*@/, ":***@")), `names the repo: ${error.message}`);
  assert.match(error.message, words);
  assert.ok(!error.message.includes(secret), "no secret in the message");
  return true;
};

test("HTTPS with basic auth: clone and fetch with a Secret's password; wrong or none is an authentication failure", async (t) => {
  const password = testSecret("pw");
  const server = await httpGitServer(t, { username: "deploy", password });
  const repo = await repository(t);
  const first = await repo.commit({ "app/a.yaml": "a: 1\n" }, "first");
  const url = server.serve("app", repo.dir);

  const good = await cacheWith(t, () => ({ kind: "https", username: "deploy", password }));
  await good.fetch(url);
  assert.equal(await good.resolve(url, "main"), first);
  const second = await repo.commit({ "app/a.yaml": "a: 2\n" }, "second");
  await good.fetch(url);
  assert.equal(await good.resolve(url, "main"), second, "a fetch with credentials sees the new commit");
  assert.ok(server.requests.some((r) => r.user === "deploy"));

  const wrong = await cacheWith(t, () => ({ kind: "https", username: "deploy", password: "not-it" }));
  await assert.rejects(
    wrong.fetch(url),
    authFailure(url, "Authentication", /authentication failed/, "not-it"),
  );
  const none = await cacheWith(t, () => undefined);
  await assert.rejects(
    none.fetch(url),
    authFailure(url, "Authentication", /none were found for this URL/, password),
  );
  await noTraces([password, "not-it"]);
});

test("a password in the URL is used but never in argv, the mirror's config or a message", async (t) => {
  const password = testSecret("urlpw");
  const server = await httpGitServer(t, { username: "deploy", password });
  const repo = await repository(t);
  const sha = await repo.commit({ "app/a.yaml": "a: 1\n" }, "first");
  const plain = server.serve("app", repo.dir);
  const url = plain.replace("http://", `http://deploy:${password}@`);
  const cache = await cacheWith(t, () => assert.fail("a URL with a password asks no Secret"));
  await cache.fetch(url);
  assert.equal(await cache.resolve(url, "main"), sha);
  const origin = await git(["config", "remote.origin.url"], { cwd: cache.mirrorOf(url) });
  assert.equal(origin.trim(), plain.replace("http://", "http://deploy@"));
  await assert.rejects(cache.resolve(url, "nope"), (e: Error) => !e.message.includes(password));

  const bad = url.replace(password, "wrong-one");
  const other = await cacheWith(t, () => undefined);
  await assert.rejects(
    other.fetch(bad),
    authFailure(bad, "Authentication", /authentication failed/, "wrong-one"),
  );
  await noTraces([password, "wrong-one"]);
});

test("SSH with a key and known hosts: cloned; a wrong key, an unknown host key each say so", async (t) => {
  const key = await sshKeyPair(t);
  const server = await sshGitServer(t, key.publicKey);
  const repo = await repository(t);
  const sha = await repo.commit({ "app/a.yaml": "a: 1\n" }, "first");
  const url = server.url(repo.dir);
  const keyBody = key.privateKey.split("\n")[1] ?? "";
  assert.ok(keyBody.length > 20);

  const good = await cacheWith(t, () => ({
    kind: "ssh",
    privateKey: key.privateKey,
    knownHosts: server.knownHosts,
  }));
  await good.fetch(url);
  assert.equal(await good.resolve(url, "main"), sha);
  await repo.commit({ "app/a.yaml": "a: 2\n" }, "second");
  await good.fetch(url);

  const other = await sshKeyPair(t);
  const wrongKey = await cacheWith(t, () => ({
    kind: "ssh",
    privateKey: other.privateKey,
    knownHosts: server.knownHosts,
  }));
  await assert.rejects(
    wrongKey.fetch(url),
    authFailure(url, "Authentication", /authentication failed/, keyBody),
  );
  const unknownHost = await cacheWith(t, () => ({
    kind: "ssh",
    privateKey: key.privateKey,
    knownHosts:
      "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZ3uT8n5bTnZhL3t8l5cQw8m2uQ2FJ1p3GvJxq9kR1x",
  }));
  await assert.rejects(
    unknownHost.fetch(url),
    authFailure(url, "HostKey", /host key not in known hosts/, keyBody),
  );
  await noTraces([keyBody, ...other.privateKey.split("\n").filter((l) => l.length > 20)]);
});
