// Repository credentials without a server: which Secret a URL gets (exact `repository` before the
// longest `repo-creds` prefix, both label schemes, prefixes only at a path boundary), what of a
// Secret is ignored, and how credentials reach git — files 0700/0600 in a private dir that is gone
// afterwards, secrets only in the child's environment, never in argv or messages.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { test } from "node:test";
import {
  coversURL,
  credentialsOf,
  matchRepoSecret,
  parseRepoSecret,
  type RepoSecret,
} from "../../../src/gitops/source/credentials.ts";
import { GitError } from "../../../src/gitops/source/git.ts";
import {
  type AuthFiles,
  authEnv,
  authFailureOf,
  redactURLs,
  scrubSecrets,
  splitUserinfo,
  withGitAuth,
} from "../../../src/gitops/source/git-auth.ts";
import { checkRepoURL } from "../../../src/gitops/source/repo-url.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const secret = (name: string, label: string, type: string, data: Record<string, string>) => ({
  metadata: { name, labels: { [label]: type } },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const parsed = (...args: Parameters<typeof secret>): RepoSecret => {
  const { secret: s } = parseRepoSecret(secret(...args));
  assert.ok(s, `${args[0]} parses`);
  return s;
};
const ARGO = "argocd.argoproj.io/secret-type";
const SLUICE = "sluice.dev/secret-type";

test("an exact repository Secret wins over repo-creds; the longest prefix wins among repo-creds", () => {
  const secrets = [
    parsed("org", ARGO, "repo-creds", { url: "https://git.example.com/org", password: "p-org" }),
    parsed("team", SLUICE, "repo-creds", { url: "https://git.example.com/org/team/", password: "p-team" }),
    parsed("host", ARGO, "repo-creds", { url: "https://git.example.com", password: "p-host" }),
    parsed("app", SLUICE, "repository", {
      url: "https://Git.example.com/org/team/app.git",
      password: "p-app",
    }),
  ];
  const match = (url: string) => matchRepoSecret(url, secrets)?.name;
  assert.equal(match("https://git.example.com/org/team/app"), "app", "exact, after normalising");
  assert.equal(match("https://git.example.com/org/team/other.git"), "team", "longest prefix");
  assert.equal(match("https://git.example.com/org/x"), "org");
  assert.equal(match("https://git.example.com/elsewhere/x"), "host");
  assert.equal(match("https://git.example.com.evil.io/org/x"), undefined, "another host never matches");
  assert.equal(match("https://git.example.com/orgx/y"), "host", "a prefix ends at a path boundary");
  assert.equal(match("https://other.example.com/org/x"), undefined);
  // The exact Secret is for its repository only; a prefix of it is not matched by it.
  assert.equal(match("https://git.example.com/org/team/app-two"), "team");
});

test("a repository Secret without credentials for the URL's transport falls back to repo-creds", () => {
  const secrets = [
    parsed("bare", ARGO, "repository", { url: "https://git.example.com/org/app" }),
    parsed("keyonly", ARGO, "repository", { url: "ssh://git@git.example.com/org/app", sshPrivateKey: "K" }),
    parsed("org", ARGO, "repo-creds", { url: "https://git.example.com/org", username: "u", password: "p" }),
  ];
  assert.equal(matchRepoSecret("https://git.example.com/org/app", secrets)?.name, "org");
  assert.equal(matchRepoSecret("ssh://git@git.example.com/org/app", secrets)?.name, "keyonly");
  assert.equal(matchRepoSecret("git@git.example.com:org/app", secrets), undefined, "scp form is its own URL");
  const scp = [parsed("scp", SLUICE, "repo-creds", { url: "git@github.com:", sshPrivateKey: "K" })];
  assert.equal(matchRepoSecret("git@github.com:org/app.git", scp)?.name, "scp");
});

test("ties go to the first Secret by name, whatever the list order", () => {
  const a = parsed("a", ARGO, "repo-creds", { url: "https://h/org", password: "1" });
  const b = parsed("b", SLUICE, "repo-creds", { url: "https://h/org", password: "2" });
  assert.equal(matchRepoSecret("https://h/org/x", [b, a])?.name, "a");
  assert.equal(matchRepoSecret("https://h/org/x", [a, b])?.name, "a");
});

test("Secret keys: token as password, helm/oci types and insecure noted, no url ignored", () => {
  const token = parsed("t", ARGO, "repository", { url: "https://h/r", token: "tok" });
  assert.deepEqual(credentialsOf("https://h/r", token, ""), {
    kind: "https",
    username: "git",
    password: "tok",
  });
  const both = parsed("u", ARGO, "repository", {
    url: "https://h/r",
    username: "me",
    password: "pw",
    token: "t",
  });
  assert.deepEqual(credentialsOf("https://h/r", both, ""), { kind: "https", username: "me", password: "pw" });

  const helm = parseRepoSecret(secret("helm", ARGO, "repository", { url: "https://charts", type: "helm" }));
  assert.equal(helm.secret, undefined);
  assert.match(helm.notes.join(), /"helm": not supported yet/);
  const insecure = parseRepoSecret(
    secret("ins", SLUICE, "repository", { url: "https://h/r", password: "pw", insecure: "true" }),
  );
  assert.ok(insecure.secret, "still used");
  assert.match(insecure.notes.join(), /insecure is not supported; TLS certificates are still verified/);
  assert.doesNotMatch(insecure.notes.join(), /pw/);
  assert.equal(parseRepoSecret(secret("nourl", ARGO, "repository", { password: "x" })).secret, undefined);
  assert.equal(parseRepoSecret(secret("other", ARGO, "cluster", { url: "https://h" })).secret, undefined);
});

test("ssh URLs always get known hosts (with the key when a Secret has one); git:// and file:// nothing", () => {
  const key = parsed("k", ARGO, "repository", { url: "ssh://git@h/r", sshPrivateKey: "KEY" });
  assert.deepEqual(credentialsOf("ssh://git@h/r", key, "h ssh-ed25519 AAA"), {
    kind: "ssh",
    privateKey: "KEY",
    knownHosts: "h ssh-ed25519 AAA",
  });
  assert.deepEqual(credentialsOf("ssh://git@h/r", undefined, "kh"), { kind: "ssh", knownHosts: "kh" });
  assert.equal(credentialsOf("https://h/r", undefined, "kh"), undefined);
  assert.equal(credentialsOf("file:///tmp/r", key, "kh"), undefined);
});

test("coversURL: prefix at a path boundary, or a prefix ending in / or :", () => {
  assert.ok(coversURL("https://h/org", "https://h/org"));
  assert.ok(coversURL("https://h/org", "https://h/org/a"));
  assert.ok(!coversURL("https://h/org", "https://h/organisation/a"));
  assert.ok(!coversURL("https://h", "https://h.evil/a"));
  assert.ok(coversURL("git@h:", "git@h:org/a"));
});

const FILES: AuthFiles = {
  dir: "/d",
  askpass: "/d/askpass",
  sshWrapper: "/d/ssh",
  privateKey: "/d/key",
  knownHosts: "/d/known_hosts",
};

test("the environment carries the secrets in its own variables; file paths name only the private dir", () => {
  const https = authEnv({ kind: "https", username: "me", password: "s3cret" }, FILES);
  assert.deepEqual(https, {
    GIT_ASKPASS: "/d/askpass",
    SLUICE_GIT_USERNAME: "me",
    SLUICE_GIT_PASSWORD: "s3cret",
  });
  const ssh = authEnv({ kind: "ssh", privateKey: "KEYBODY", knownHosts: "kh" }, FILES);
  assert.deepEqual(ssh, {
    GIT_SSH: "/d/ssh",
    GIT_SSH_VARIANT: "ssh",
    SLUICE_SSH_KNOWN_HOSTS: "/d/known_hosts",
    SLUICE_SSH_KEY: "/d/key",
  });
  assert.ok(!JSON.stringify(ssh).includes("KEYBODY"), "the key is in a file, not in the environment");
});

test("askpass and ssh wrapper are 0700, key and known hosts 0600, in a 0700 dir removed afterwards", async () => {
  let seen: AuthFiles | undefined;
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeybody\n-----END OPENSSH PRIVATE KEY-----";
  const mode = async (path: string) => (await stat(path)).mode & 0o777;
  await withGitAuth(
    { kind: "ssh", privateKey: key, knownHosts: "[127.0.0.1]:22 ssh-ed25519 AAAA" },
    async (env) => {
      assert.equal(env.SLUICE_SSH_KEY, seen?.privateKey);
    },
    async (files) => {
      seen = files;
      assert.equal(await mode(files.dir), 0o700);
      assert.equal(await mode(files.sshWrapper), 0o700);
      assert.equal(await mode(files.privateKey), 0o600);
      assert.equal(await mode(files.knownHosts), 0o600);
      assert.equal(await readFile(files.privateKey, "utf8"), `${key}\n`, "a final newline added for ssh");
      const wrapper = await readFile(files.sshWrapper, "utf8");
      assert.match(wrapper, /StrictHostKeyChecking=yes/);
      assert.match(wrapper, /BatchMode=yes/);
      assert.doesNotMatch(wrapper, /StrictHostKeyChecking=no/);
      assert.ok(!wrapper.includes("keybody"), "the wrapper is constant text");
    },
  );
  assert.ok(seen && !existsSync(seen.dir), "the private dir is gone");

  let https: AuthFiles | undefined;
  await assert.rejects(
    withGitAuth(
      { kind: "https", username: "u", password: "hunter2" },
      async () => {
        throw new Error("git failed");
      },
      async (files) => {
        https = files;
        assert.equal(await mode(files.askpass), 0o700);
        assert.ok(!(await readFile(files.askpass, "utf8")).includes("hunter2"), "no password on disk");
        assert.ok(!existsSync(files.privateKey));
      },
    ),
    /git failed/,
  );
  assert.ok(https && !existsSync(https.dir), "removed after a failure too");
});

test("a URL's password is taken out of it and redacted from every message", () => {
  assert.deepEqual(splitUserinfo("https://me:p%40ss@h.example/r.git"), {
    url: "https://me@h.example/r.git",
    username: "me",
    password: "p@ss",
  });
  assert.deepEqual(splitUserinfo("https://me@h/r"), { url: "https://me@h/r" });
  assert.deepEqual(splitUserinfo("git@h:org/r"), { url: "git@h:org/r" });
  assert.equal(
    redactURLs("fatal: unable to access 'https://me:pw@h/r/': x"),
    "fatal: unable to access 'https://me:***@h/r/': x",
  );
  assert.equal(
    new GitError("revision x not found in https://u:topsecret@h/r", "NotFound").message.includes("topsecret"),
    false,
  );
  assert.throws(
    () => checkRepoURL("https://u:topsecret@h/r x"),
    (e: Error) => /contains whitespace/.test(e.message) && !e.message.includes("topsecret"),
  );
  assert.equal(
    scrubSecrets("echo hunter2 back", { kind: "https", username: "u", password: "hunter2" }),
    "echo *** back",
  );
});

test("git's and ssh's refusals are told apart from other failures", () => {
  assert.equal(
    authFailureOf("fatal: Authentication failed for 'http://127.0.0.1:1/app/'")?.reason,
    "Authentication",
  );
  assert.equal(authFailureOf("git@127.0.0.1: Permission denied (publickey).")?.reason, "Authentication");
  assert.match(
    authFailureOf("fatal: could not read Username for 'https://h': terminal prompts disabled")?.summary ?? "",
    /none were found for this URL/,
  );
  assert.deepEqual(
    authFailureOf("Host key verification failed.\nfatal: Could not read from remote repository."),
    {
      reason: "HostKey",
      summary: "host key not in known hosts",
      line: "Host key verification failed.",
    },
  );
  assert.equal(authFailureOf("fatal: repository 'http://h/x/' not found"), undefined);
});
