// Shared pieces of the Git core's tests: a real git repository the test commits to, an Application
// on it, and a sluice running the Application controller with helpers to wait on the Application's
// status and read what it applied; file trees and the render tools (the kustomize and helm the
// harness builds) for the renderers' unit tests.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Application } from "../../src/api/application.ts";
import { type ApplicationConfig, applicationControllerWith } from "../../src/gitops/controller.ts";
import { type RenderToolsConfig, renderTools } from "../../src/gitops/render/index.ts";
import { git } from "../../src/gitops/source/git.ts";
import { isNotFound } from "../../src/kube/errors.ts";
import { Applications, ConfigMaps } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { binaryPaths } from "../cluster/binaries.ts";
import { testClient, useNamespace } from "./kube.ts";
import { ensureCrd, startSluice } from "./sluice.ts";
import { pending, waitFor } from "./wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../crds/application.yaml");

/** Writes `files` (path → text) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** A fresh directory holding `files`, removed when the test ends. */
export async function fileTree(t: TestContext, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-tree-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFiles(dir, files);
  return dir;
}

/** Render tools on the kustomize and helm binaries the harness builds (test/cluster/build.sh). */
export function testRenderTools(config: RenderToolsConfig = {}) {
  const paths = binaryPaths();
  return renderTools({ kustomizePath: paths.kustomize, helmPath: paths.helm, ...config });
}

export async function repository(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), "sluice-app-repo-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    git(["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir });
  await run("init", "--quiet", "--initial-branch=main");
  const commit = async (files: Record<string, string | null>, message: string) => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) await rm(join(dir, path), { force: true });
      else {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
    }
    await run("add", "--all");
    await run("commit", "--quiet", "--allow-empty", "-m", message);
    return (await run("rev-parse", "HEAD")).trim();
  };
  return { url: `file://${dir}`, dir, commit };
}

/** A Deployment "web" (image registry.example/web:1) as YAML in a repository. */
export const deploymentYaml = (replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example/web:1
`;

export const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

export function application(
  namespace: string,
  url: string,
  extra: Partial<Application["spec"]> = {},
): Application {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Application",
    metadata: { name: "demo", namespace },
    spec: {
      project: "default",
      source: { repoURL: url, targetRevision: "main", path: "app" },
      destination: { server: "https://kubernetes.default.svc", namespace },
      syncPolicy: { automated: {} },
      ...extra,
    },
  };
}

/** The controller polls every 60 s and renders with the harness's kustomize and helm unless `config` says otherwise. */
export async function gitopsSetUp(
  t: TestContext,
  prefix: string,
  config: ApplicationConfig = {},
  /**
   * allNamespaces: run the kernel on every namespace (Applications still only in the test's).
   * webhook: serve the Git webhook receiver on a free loopback port (sluice.webhookPort).
   */
  options: { allNamespaces?: boolean; webhook?: boolean } = {},
) {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  const namespace = await useNamespace(t, prefix);
  const paths = binaryPaths();
  const controller = applicationControllerWith({
    pollMs: 60_000,
    kustomizePath: paths.kustomize,
    helmPath: paths.helm,
    namespace,
    ...config,
  });
  const sluice = await startSluice(t, [controller], {
    namespace: options.allNamespaces ? undefined : namespace,
    ...(options.webhook ? { webhookAddr: "127.0.0.1:0", applicationNamespace: namespace } : {}),
  });
  const client = testClient();
  const appNow = () => client.get<Application>(Applications, { namespace, name: "demo" });
  const until = (what: string, ok: (a: Application) => boolean) =>
    waitFor(what, async () => {
      const a = await appNow();
      return ok(a)
        ? a
        : pending(
            JSON.stringify({
              sync: a.status?.sync,
              op: a.status?.operationState?.message,
              c: a.status?.conditions,
            }),
          );
    });
  const refresh = () =>
    client.mergePatch(
      Applications,
      { namespace, name: "demo" },
      { metadata: { annotations: { "argocd.argoproj.io/refresh": "normal" } } },
      "test",
    );
  const configMapValue = async (name: string) => {
    try {
      return (
        await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, { namespace, name })
      ).data?.value;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  /**
   * Changes the Application's spec without touching its source (Argo CD's `info`), which makes a
   * look that is not a refresh, and waits until that look's status is written.
   */
  const lookAgain = async () => {
    const touched = await client.mergePatch<Application>(
      Applications,
      { namespace, name: "demo" },
      { spec: { info: [{ name: "touch", value: String(Date.now()) }] } },
      "test",
    );
    return until("looked at again", (a) => a.status?.observedGeneration === touched.metadata?.generation);
  };
  return { namespace, client, until, refresh, configMapValue, sluice, lookAgain };
}
