// Each provider's deliveries read into a push (every repository URL, the refs, the default branch),
// a ping, or an ignored event; payloads that lack what a push needs, or carry the wrong types
// (the shapes that crashed Argo CD's receiver), are PayloadErrors, never a crash.
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { test } from "node:test";
import { PayloadError } from "../../../src/gitops/webhook/event.ts";
import { defaultProviders } from "../../../src/gitops/webhook/providers/index.ts";

const providers = defaultProviders();

function read(headers: IncomingHttpHeaders, payload: unknown) {
  const provider = providers.detect(headers);
  assert.ok(provider, "a provider recognises the headers");
  return { provider: provider.name, event: provider.parse(headers, payload) };
}

const githubRepo = {
  html_url: "https://github.com/team/app",
  clone_url: "https://github.com/team/app.git",
  ssh_url: "git@github.com:team/app.git",
  git_url: "git://github.com/team/app.git",
  default_branch: "main",
};

test("GitHub: a branch push, a tag push, a ping, other events ignored", () => {
  const push = read({ "x-github-event": "push" }, { ref: "refs/heads/dev", repository: githubRepo });
  assert.deepEqual(push, {
    provider: "github",
    event: {
      type: "push",
      repoURLs: [githubRepo.html_url, githubRepo.clone_url, githubRepo.ssh_url, githubRepo.git_url],
      refs: [{ kind: "branch", name: "dev" }],
      defaultBranch: "main",
    },
  });
  const tagPush = read({ "x-github-event": "push" }, { ref: "refs/tags/v1.2", repository: githubRepo });
  assert.deepEqual(tagPush.event.type === "push" && tagPush.event.refs, [{ kind: "tag", name: "v1.2" }]);
  assert.deepEqual(read({ "x-github-event": "ping" }, { zen: "x" }).event, { type: "ping" });
  assert.deepEqual(read({ "x-github-event": "issues" }, {}).event, { type: "ignored", event: "issues" });
});

test("GitHub: pushes without a repository, with the wrong types, or to no branch or tag are PayloadErrors", () => {
  const parse = (payload: unknown) => () => read({ "x-github-event": "push" }, payload);
  assert.throws(parse({ ref: "refs/heads/main" }), PayloadError, "no repository");
  assert.throws(parse({ ref: "refs/heads/main", repository: "github.com/x" }), PayloadError);
  assert.throws(parse({ ref: "refs/heads/main", repository: [githubRepo] }), PayloadError);
  assert.throws(parse({ ref: "refs/heads/main", repository: { html_url: 42 } }), /no repository URL/);
  assert.throws(parse({ ref: "refs/pull/1/head", repository: githubRepo }), /no branch or tag/);
  assert.throws(parse({ ref: "refs/heads/", repository: githubRepo }), /no branch or tag/);
  assert.throws(parse({ ref: 7, repository: githubRepo }), /no branch or tag/);
  assert.throws(parse(null), PayloadError);
  assert.throws(parse([]), PayloadError);
  assert.throws(parse("push"), PayloadError);
});

test("GitLab: Push Hook and Tag Push Hook, URLs from project and repository", () => {
  const payload = {
    ref: "refs/heads/main",
    project: {
      web_url: "https://gitlab.example.com/group/app",
      git_http_url: "https://gitlab.example.com/group/app.git",
      git_ssh_url: "git@gitlab.example.com:group/app.git",
      default_branch: "main",
    },
    repository: {
      homepage: "https://gitlab.example.com/group/app",
      url: "git@gitlab.example.com:group/app.git",
    },
  };
  assert.deepEqual(read({ "x-gitlab-event": "Push Hook" }, payload).event, {
    type: "push",
    repoURLs: [
      "https://gitlab.example.com/group/app",
      "https://gitlab.example.com/group/app.git",
      "git@gitlab.example.com:group/app.git",
    ],
    refs: [{ kind: "branch", name: "main" }],
    defaultBranch: "main",
  });
  const tagPush = read({ "x-gitlab-event": "Tag Push Hook" }, { ...payload, ref: "refs/tags/v2" }).event;
  assert.deepEqual(tagPush.type === "push" && tagPush.refs, [{ kind: "tag", name: "v2" }]);
  assert.deepEqual(read({ "x-gitlab-event": "Merge Request Hook" }, payload).event.type, "ignored");
  assert.throws(() => read({ "x-gitlab-event": "Push Hook" }, { ref: "refs/heads/main" }), PayloadError);
});

test("Gitea is recognised before GitHub although it sends GitHub's and Gogs' headers too", () => {
  const headers = { "x-gitea-event": "push", "x-gogs-event": "push", "x-github-event": "push" };
  const { provider, event } = read(headers, { ref: "refs/heads/main", repository: githubRepo });
  assert.equal(provider, "gitea");
  assert.equal(event.type, "push");
  assert.equal(
    read({ "x-gogs-event": "push" }, { ref: "refs/heads/main", repository: githubRepo }).provider,
    "gitea",
  );
});

test("Bitbucket Server: several refs per delivery, clone links; a non-array links.clone is no crash", () => {
  const payload = {
    repository: {
      links: {
        clone: [
          { href: "ssh://git@bitbucket.example.com:7999/prj/app.git", name: "ssh" },
          { href: "https://bitbucket.example.com/scm/prj/app.git", name: "http" },
          { name: "no href" },
          "junk",
        ],
      },
    },
    changes: [
      { ref: { id: "refs/heads/main", displayId: "main", type: "BRANCH" } },
      { ref: { id: "refs/tags/v3", displayId: "v3", type: "TAG" } },
      { ref: "junk" },
      null,
    ],
  };
  assert.deepEqual(read({ "x-event-key": "repo:refs_changed" }, payload), {
    provider: "bitbucketserver",
    event: {
      type: "push",
      repoURLs: [
        "ssh://git@bitbucket.example.com:7999/prj/app.git",
        "https://bitbucket.example.com/scm/prj/app.git",
      ],
      refs: [
        { kind: "branch", name: "main" },
        { kind: "tag", name: "v3" },
      ],
    },
  });
  const notArray = { ...payload, repository: { links: { clone: { href: "https://x/y.git" } } } };
  assert.throws(() => read({ "x-event-key": "repo:refs_changed" }, notArray), /no repository URL/);
  assert.throws(
    () => read({ "x-event-key": "repo:refs_changed" }, { ...payload, changes: [] }),
    /no branch or tag/,
  );
  assert.deepEqual(read({ "x-event-key": "diagnostics:ping" }, {}).event, { type: "ping" });
  assert.equal(
    providers.detect({ "x-event-key": "repo:push", "x-hook-uuid": "u" }),
    undefined,
    "Bitbucket Cloud",
  );
});

test("generic: repoURL and a revision (a bare name is the branch or the tag)", () => {
  const headers = { "x-sluice-event": "push" };
  assert.deepEqual(
    read(headers, { repoURL: "https://git.example.com/a", revision: "refs/heads/dev" }).event,
    {
      type: "push",
      repoURLs: ["https://git.example.com/a"],
      refs: [{ kind: "branch", name: "dev" }],
    },
  );
  assert.deepEqual(
    read(headers, { repoURL: "https://git.example.com/a", ref: "v1", defaultBranch: "main" }).event,
    {
      type: "push",
      repoURLs: ["https://git.example.com/a"],
      refs: [
        { kind: "branch", name: "v1" },
        { kind: "tag", name: "v1" },
      ],
      defaultBranch: "main",
    },
  );
  assert.throws(() => read(headers, { revision: "main" }), /repoURL/);
  assert.throws(() => read(headers, { repoURL: "https://git.example.com/a" }), /no branch or tag/);
  assert.deepEqual(read({ "x-sluice-event": "ping" }, {}).event, { type: "ping" });
});

test("headers of no known provider are recognised by none", () => {
  assert.equal(providers.detect({ "content-type": "application/json" }), undefined);
  assert.deepEqual(providers.names, ["gitea", "github", "gitlab", "bitbucketserver", "generic"]);
});

test("the files a push touched, from GitHub, Gitea and GitLab commits; unknown whenever the list may be short", () => {
  const commits = [
    { id: "a", added: ["apps/web/new.yaml"], modified: ["apps/web/deploy.yaml"], removed: [] },
    { id: "b", added: [], modified: ["apps/web/deploy.yaml", "README.md"], removed: ["old.yaml"] },
  ];
  const files = (headers: IncomingHttpHeaders, payload: Record<string, unknown>) => {
    const { event } = read(headers, payload);
    return event.type === "push" ? event.changedFiles : "not a push";
  };
  const github = { "x-github-event": "push" };
  const base = { ref: "refs/heads/main", repository: githubRepo };
  assert.deepEqual(files(github, { ...base, commits }), [
    "apps/web/new.yaml",
    "apps/web/deploy.yaml",
    "README.md",
    "old.yaml",
  ]);
  assert.deepEqual(files({ "x-gitea-event": "push", ...github }, { ...base, commits }), [
    "apps/web/new.yaml",
    "apps/web/deploy.yaml",
    "README.md",
    "old.yaml",
  ]);
  assert.equal(files(github, { ...base, commits: [] }), undefined, "no commits (a branch made or deleted)");
  assert.equal(files(github, base), undefined, "no commits field");
  assert.equal(
    files(github, { ...base, commits: [{ id: "c", added: ["x"] }] }),
    undefined,
    "a commit without its lists",
  );
  assert.equal(
    files(github, { ...base, commits: [{ id: "c", added: "x", modified: [], removed: [] }] }),
    undefined,
  );
  const gitlab = { "x-gitlab-event": "Push Hook" };
  const project = { web_url: "https://gitlab.com/team/app", default_branch: "main" };
  const lab = { ref: "refs/heads/main", project, commits };
  assert.equal(files(gitlab, lab)?.length, 4);
  assert.equal(files(gitlab, { ...lab, total_commits_count: 2 })?.length, 4);
  assert.equal(
    files(gitlab, { ...lab, total_commits_count: 25 }),
    undefined,
    "GitLab lists 20 of 25: unknown",
  );
});
