// The kustomize renderer with the real kustomize binary the harness builds: an overlay on a base,
// Argo CD's source.kustomize options (replacing the kustomization's own, as `kustomize edit` does),
// the tool's own words on a failure; and what must never happen — a base or symlink leaving the
// repository, a remote base fetched, a hung tool left running, more tool runs than the cap.
import assert from "node:assert/strict";
import { appendFile, chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { ApplicationSource } from "../../../src/api/application.ts";
import { RenderError, render, sourceTypeOf } from "../../../src/gitops/render/index.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { binaryPaths } from "../../cluster/binaries.ts";
import { fileTree, testRenderTools } from "../../helpers/gitops.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.0
`;
const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: base\n`;

/** A repository (under `<tree>/repo`) with a base and a production overlay; `<tree>/outside` is not in it. */
async function overlayRepo(t: TestContext, extra: Record<string, string> = {}) {
  const tree = await fileTree(t, {
    "repo/base/kustomization.yaml": "resources: [deployment.yaml, configmap.yaml]\n",
    "repo/base/deployment.yaml": deployment,
    "repo/base/configmap.yaml": configMap,
    "repo/overlays/prod/kustomization.yaml":
      "resources: [../../base]\nnamePrefix: prod-\npatches:\n  - path: mode.yaml\n",
    "repo/overlays/prod/mode.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n",
    "outside/kustomization.yaml": "resources: [secret.yaml]\n",
    "outside/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n",
    ...extra,
  });
  return { repo: join(tree, "repo"), outside: join(tree, "outside") };
}

const context = (tools = testRenderTools()) => ({ appName: "demo", namespace: "team", tools });
const source = (path: string, kustomize?: Record<string, unknown>): ApplicationSource => ({
  repoURL: "file:///unused",
  path,
  ...(kustomize ? { kustomize } : {}),
});
type Deployment = KubeObject & {
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
};
const find = (rendered: { object: KubeObject }[], kind: string) => {
  const found = rendered.find((r) => r.object.kind === kind)?.object;
  assert.ok(found, `a ${kind} was rendered`);
  return found;
};

test("an overlay on a base is detected by its kustomization and built; objects name the command", async (t) => {
  const { repo } = await overlayRepo(t);
  assert.equal(await sourceTypeOf(repo, source("overlays/prod")), "kustomize");
  const rendered = await render(repo, source("overlays/prod"), context());
  assert.deepEqual(rendered.map((r) => `${r.object.kind}/${r.object.metadata?.name}`).sort(), [
    "ConfigMap/prod-settings",
    "Deployment/prod-web",
  ]);
  assert.equal(
    (find(rendered, "ConfigMap") as KubeObject & { data: { mode: string } }).data.mode,
    "prod",
    "the overlay's patch applies",
  );
  assert.equal(rendered[0]?.file, "kustomize build overlays/prod");
});

test("source.kustomize options are applied as Argo CD applies them", async (t) => {
  const { repo } = await overlayRepo(t);
  const options = {
    namePrefix: "p-",
    nameSuffix: "-s",
    images: ["nginx=registry.example/nginx:2.0"],
    commonLabels: { team: "blue" },
    commonAnnotations: { "example.com/owner": "blue: team" },
    namespace: "elsewhere",
    replicas: [{ name: "web", count: 3 }],
  };
  const rendered = await render(repo, source("overlays/prod", options), context());
  const web = find(rendered, "Deployment") as Deployment;
  assert.equal(web.metadata?.name, "p-web-s", "the option replaces the overlay's own namePrefix");
  assert.equal(web.metadata?.namespace, "elsewhere");
  assert.equal(web.metadata?.labels?.team, "blue");
  assert.equal(web.metadata?.annotations?.["example.com/owner"], "blue: team");
  assert.equal(web.spec.replicas, 3);
  assert.equal(web.spec.template.spec.containers[0]?.image, "registry.example/nginx:2.0");
  assert.equal(find(rendered, "ConfigMap").metadata?.name, "p-settings-s");

  const digest = `sha256:${"a".repeat(64)}`;
  const pinned = await render(repo, source("base", { images: [`nginx@${digest}`] }), context());
  assert.equal(
    (find(pinned, "Deployment") as Deployment).spec.template.spec.containers[0]?.image,
    `nginx@${digest}`,
  );
});

test("a failing build is a RenderError carrying kustomize's own message", async (t) => {
  const { repo } = await overlayRepo(t, {
    "repo/broken/kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - path: no-such-patch.yaml\n",
    "repo/broken/cm.yaml": configMap,
  });
  await assert.rejects(render(repo, source("broken"), context()), (e: Error) => {
    assert.ok(e instanceof RenderError);
    assert.match(e.message, /^kustomize build broken failed: Error: .*no-such-patch\.yaml/s);
    assert.doesNotMatch(e.message, /Usage:/);
    return true;
  });
  await assert.rejects(
    render(repo, source("base", { replicas: [{ name: "web", count: "many" }] }), context()),
    /spec.source.kustomize.replicas: count of "web" must be a number/,
  );
});

test("a base outside the repository, a symlink out of it and a remote base are refused before kustomize runs", async (t) => {
  const { repo, outside } = await overlayRepo(t, {
    "repo/escape/kustomization.yaml": "resources: [../../outside]\n",
    "repo/absolute/kustomization.yaml": "resources: [/etc]\n",
    "repo/remote/kustomization.yaml":
      "resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n",
    "repo/remote-short/kustomization.yaml": "resources: [github.com/example/repo/base]\n",
  });
  // A kustomize that would record being run: none of these cases may get that far.
  const ran = join(outside, "ran");
  const tool = join(outside, "kustomize");
  await writeFile(tool, `#!/bin/sh\necho ran >> '${ran}'\nexit 1\n`);
  await chmod(tool, 0o755);
  const tools = testRenderTools({ kustomizePath: tool });
  for (const [path, why] of [
    ["escape", /escape\/kustomization.yaml: resources entry "..\/..\/outside" leaves the repository/],
    ["absolute", /absolute\/kustomization.yaml: resources entry "\/etc" leaves the repository/],
    ["remote", /remote\/kustomization.yaml: resources entry "https:.*" is a remote base; .*no network/],
    ["remote-short", /resources entry "github.com\/example\/repo\/base" is a remote base/],
  ] as const)
    await assert.rejects(render(repo, source(path), context(tools)), why, path);

  await mkdir(join(repo, "linked"));
  await writeFile(join(repo, "linked", "kustomization.yaml"), "resources: [out]\n");
  await symlink(outside, join(repo, "linked", "out"));
  await assert.rejects(
    render(repo, source("linked"), context(tools)),
    /^RenderError: linked\/out is a symlink that leads out of the repository/,
  );
  await assert.rejects(readFile(ran), { code: "ENOENT" }, "kustomize never ran");
});

/** Whether a process is running (a zombie awaiting its reaper counts as gone). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && !/^\d+ \(.*\) Z/.test(stat);
}

test("a tool that hangs is killed at the deadline, with the processes it started", async (t) => {
  const { repo, outside } = await overlayRepo(t);
  const pidFile = join(outside, "child.pid");
  const hung = join(outside, "hung-kustomize");
  await writeFile(hung, `#!/bin/sh\nsleep 300 &\necho $! > '${pidFile}'\nwait\n`);
  await chmod(hung, 0o755);
  const tools = testRenderTools({ kustomizePath: hung, renderTimeoutMs: 500 });
  const started = Date.now();
  await assert.rejects(
    render(repo, source("base"), context(tools)),
    /kustomize build base: no answer within 0.5s; the tool was killed/,
  );
  assert.ok(Date.now() - started < 10_000, "the render ended at the deadline, not with the tool");
  const child = Number(await readFile(pidFile, "utf8"));
  await waitFor("the tool's child is gone", async () => ((await alive(child)) ? pending("running") : true), {
    timeoutMs: 5_000,
  });
});

test("tool runs are capped across renders, and the cap is used", async (t) => {
  const { repo, outside } = await overlayRepo(t);
  const log = join(outside, "runs.log");
  const counting = join(outside, "counting-kustomize");
  // Marks start and end of each run; the pause makes runs that are allowed to overlap do so.
  await writeFile(
    counting,
    `#!/bin/sh\necho + >> '${log}'\nsleep 0.3\n'${binaryPaths().kustomize}' "$@"\ncode=$?\necho - >> '${log}'\nexit $code\n`,
  );
  await chmod(counting, 0o755);
  await appendFile(log, "");
  const tools = testRenderTools({ kustomizePath: counting, renderConcurrency: 2 });
  const renders = await Promise.all(
    Array.from({ length: 6 }, () => render(repo, source("overlays/prod"), context(tools))),
  );
  assert.ok(renders.every((r) => r.length === 2));
  let running = 0;
  let most = 0;
  for (const mark of (await readFile(log, "utf8")).split("\n").filter(Boolean)) {
    running += mark === "+" ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.equal(most, 2, "never more than the cap at once, and the cap is reached");
});
