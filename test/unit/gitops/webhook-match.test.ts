// Which Applications a push refreshes: repository URLs compared in one normal form (scheme, user,
// port, .git, trailing slash and case aside), and targetRevision against the pushed branch or tag
// (HEAD/empty: the default branch).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Application } from "../../../src/api/application.ts";
import { REFRESH_ANNOTATIONS } from "../../../src/gitops/reconcile.ts";
import type { WebhookEvent } from "../../../src/gitops/webhook/event.ts";
import { applicationsFor, repoKey, revisionMatches } from "../../../src/gitops/webhook/match.ts";
import { WEBHOOK_REFRESH_ANNOTATION } from "../../../src/gitops/webhook/refresh.ts";

test("one repository, however its URL is written, has one key", () => {
  const same = [
    "https://github.com/Team/App",
    "https://github.com/team/app.git",
    "https://github.com/team/app/",
    "https://github.com/team/app.git/",
    "HTTPS://GitHub.com/team/app",
    "http://github.com/team/app",
    "https://user@github.com/team/app",
    "https://github.com:443/team/app",
    "git://github.com/team/app.git",
    "ssh://git@github.com/team/app.git",
    "ssh://git@github.com:22/team/app",
    "git@github.com:team/app.git",
    "git@github.com:/team/app",
    "  https://github.com/team/app  ",
  ];
  for (const url of same) assert.equal(repoKey(url), "github.com/team/app", url);
  assert.equal(repoKey("file:///tmp/repo/"), "/tmp/repo");
});

test("another repository, owner or host has another key", () => {
  const key = repoKey("https://github.com/team/app");
  for (const url of [
    "https://github.com/team/app2",
    "https://github.com/team/ap",
    "https://github.com/other/app",
    "https://gitlab.com/team/app",
    "https://github.com/team/app/sub",
    "git@gitlab.com:team/app.git",
  ])
    assert.notEqual(repoKey(url), key, url);
});

const branch = (name: string) => ({ kind: "branch" as const, name });
const tag = (name: string) => ({ kind: "tag" as const, name });

test("targetRevision against a pushed branch or tag", () => {
  assert.equal(revisionMatches("main", branch("main"), "main"), true);
  assert.equal(revisionMatches("main", branch("dev"), "main"), false, "another branch");
  assert.equal(revisionMatches("refs/heads/main", branch("main"), undefined), true);
  assert.equal(revisionMatches("refs/heads/main", tag("main"), undefined), false, "a tag is not a branch");
  assert.equal(revisionMatches("refs/tags/v1", tag("v1"), undefined), true);
  assert.equal(revisionMatches("refs/tags/v1", branch("v1"), undefined), false, "a branch is not a tag");
  assert.equal(revisionMatches("v1", tag("v1"), "main"), true, "a bare name follows the tag of that name");
  assert.equal(revisionMatches("v1", branch("v1"), "main"), true, "… and the branch");
  assert.equal(revisionMatches("v1", tag("v2"), "main"), false);
  assert.equal(revisionMatches("feature/x", branch("feature/x"), "main"), true, "slashes in branch names");
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(revisionMatches(sha, branch("main"), "main"), false, "a pinned commit never moves");
});

test("HEAD and an empty targetRevision follow the default branch", () => {
  for (const target of [undefined, "", "HEAD"]) {
    assert.equal(revisionMatches(target, branch("main"), "main"), true, `${target}`);
    assert.equal(revisionMatches(target, branch("dev"), "main"), false, `${target}: not the default`);
    assert.equal(revisionMatches(target, tag("main"), "main"), false, `${target}: a tag`);
    assert.equal(revisionMatches(target, branch("dev"), undefined), true, `${target}: default unknown`);
  }
});

const app = (
  name: string,
  source: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Application => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Application",
  metadata: { name, namespace: "ns" },
  spec: { source, ...extra },
});

test("a push concerns the Applications of its repository and revision only", () => {
  const apps = [
    app("main-https", { repoURL: "https://github.com/team/app.git", targetRevision: "main" }),
    app("main-ssh", { repoURL: "git@github.com:Team/App.git", targetRevision: "refs/heads/main" }),
    app("head", { repoURL: "https://github.com/team/app" }),
    app("dev", { repoURL: "https://github.com/team/app", targetRevision: "dev" }),
    app("tag", { repoURL: "https://github.com/team/app", targetRevision: "refs/tags/main" }),
    app("other-repo", { repoURL: "https://github.com/team/other", targetRevision: "main" }),
    app("helm", { repoURL: "https://github.com/team/app", chart: "app", targetRevision: "main" }),
    app("no-source", {}),
    app(
      "multi",
      { repoURL: "https://example.com/x" },
      {
        sources: [{ repoURL: "https://github.com/team/app", targetRevision: "main" }],
      },
    ),
  ];
  const push: WebhookEvent & { type: "push" } = {
    type: "push",
    repoURLs: ["https://github.com/team/app", "git@github.com:team/app.git"],
    refs: [branch("main")],
    defaultBranch: "main",
  };
  assert.deepEqual(
    applicationsFor(apps, push).map((a) => a.metadata?.name),
    ["main-https", "main-ssh", "head", "multi"],
  );
  assert.deepEqual(
    applicationsFor(apps, { ...push, refs: [branch("feature")] }).map((a) => a.metadata?.name),
    [],
  );
  assert.deepEqual(
    applicationsFor(apps, { ...push, refs: [tag("main")] }).map((a) => a.metadata?.name),
    ["main-https", "tag", "multi"],
  );
});

test("the annotation the webhook sets is one the controller honours", () => {
  assert.ok(REFRESH_ANNOTATIONS.includes(WEBHOOK_REFRESH_ANNOTATION));
});

test("argocd.argoproj.io/manifest-generate-paths: a push refreshes only Applications whose paths it touched", () => {
  const withPaths = (name: string, path: string, paths?: string): Application => ({
    metadata: {
      name,
      namespace: "ns",
      ...(paths === undefined
        ? {}
        : { annotations: { "argocd.argoproj.io/manifest-generate-paths": paths } }),
    },
    spec: {
      project: "default",
      source: { repoURL: "https://github.com/team/mono", targetRevision: "main", path },
    },
  });
  const apps = [
    withPaths("web", "apps/web", "."),
    withPaths("api", "apps/api", ".;/shared"),
    withPaths("db", "apps/db", "../common"),
    withPaths("plain", "apps/plain"),
    withPaths("root", "apps/root", "/"),
  ];
  const push = (changedFiles?: string[]): WebhookEvent & { type: "push" } => ({
    type: "push",
    repoURLs: ["https://github.com/team/mono"],
    refs: [{ kind: "branch", name: "main" }],
    ...(changedFiles ? { changedFiles } : {}),
  });
  const names = (p: WebhookEvent & { type: "push" }) => applicationsFor(apps, p).map((a) => a.metadata?.name);
  assert.deepEqual(names(push(["apps/web/deploy.yaml"])), ["web", "plain", "root"]);
  assert.deepEqual(names(push(["shared/base.yaml"])), ["api", "plain", "root"], "a root-relative path");
  assert.deepEqual(
    names(push(["apps/common/x.yaml"])),
    ["db", "plain", "root"],
    "a path relative to the source's",
  );
  assert.deepEqual(
    names(push(["apps/website/x.yaml"])),
    ["plain", "root"],
    "apps/web is not a prefix of apps/website",
  );
  assert.deepEqual(names(push(["README.md"])), ["plain", "root"]);
  assert.deepEqual(names(push()), ["web", "api", "db", "plain", "root"], "files not known: every one");
  assert.deepEqual(names(push([])), ["plain"], "nothing touched: only the one without the annotation");
});
