// Loading a kubeconfig without client-node: what each kind of entry puts on a request (TLS
// material, bearer token, basic auth), where relative paths are read from, how a $KUBECONFIG list
// merges, the in-cluster service account, the exec plugin handed to client-node, and the errors.
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { stringify } from "yaml";
import { loadClusterTarget, loadKubeConfig } from "../../../src/kube/config.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-kubeconfig-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Entries {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}

async function kubeconfig(dir: string, file: string, e: Entries): Promise<string> {
  const list = (m: Record<string, Record<string, unknown>> | undefined, field: string) =>
    Object.entries(m ?? {}).map(([name, body]) => ({ name, [field]: body }));
  const path = join(dir, file);
  const body = {
    apiVersion: "v1",
    kind: "Config",
    ...(e.current ? { "current-context": e.current } : {}),
    clusters: list(e.clusters, "cluster"),
    users: list(e.users, "user"),
    contexts: list(e.contexts, "context"),
  };
  await writeFile(path, stringify(body));
  return path;
}

const one = (cluster: Record<string, unknown>, user: Record<string, unknown>): Entries => ({
  current: "c",
  clusters: { k: cluster },
  users: { u: user },
  contexts: { c: { cluster: "k", user: "u" } },
});

async function applied(
  access: ReturnType<typeof loadKubeConfig>,
): Promise<RequestOptions & { headers: Record<string, string | undefined> }> {
  const opts: RequestOptions = { headers: {} };
  await access.applyToHTTPSOptions(opts);
  return { ...opts, headers: (opts.headers ?? {}) as Record<string, string | undefined> };
}

test("client certificate and CA given inline: the server, and the TLS material on the request", async (t) => {
  const dir = await tempDir(t);
  const path = await kubeconfig(
    dir,
    "config",
    one(
      { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA") },
      { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
    ),
  );
  const access = loadKubeConfig(path);
  assert.equal(access.getCurrentCluster()?.server, "https://127.0.0.1:6443");
  const opts = await applied(access);
  assert.equal(String(opts.ca), "CA");
  assert.equal(String(opts.cert), "CERT");
  assert.equal(String(opts.key), "KEY");
  assert.equal(opts.headers.Authorization, undefined, "no token, no header");
  assert.equal(opts.rejectUnauthorized, undefined, "TLS verified");
});

test("file paths are read relative to the kubeconfig that names them", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "ca.crt"), "CA-FILE");
  await writeFile(join(dir, "client.crt"), "CERT-FILE");
  await writeFile(join(dir, "client.key"), "KEY-FILE");
  const path = await kubeconfig(
    dir,
    "config",
    one(
      { server: "https://k:6443", "certificate-authority": "ca.crt" },
      { "client-certificate": "client.crt", "client-key": join(dir, "client.key") },
    ),
  );
  const opts = await applied(loadKubeConfig(path, {}));
  assert.equal(String(opts.ca), "CA-FILE");
  assert.equal(String(opts.cert), "CERT-FILE");
  assert.equal(String(opts.key), "KEY-FILE", "an absolute path as it is");
});

test("a bearer token inline, or from a file read again on every call (rotation)", async (t) => {
  const dir = await tempDir(t);
  const inline = await kubeconfig(dir, "a", one({ server: "https://k" }, { token: "abc" }));
  assert.equal((await applied(loadKubeConfig(inline))).headers.Authorization, "Bearer abc");
  await writeFile(join(dir, "token"), "first\n");
  const fromFile = loadKubeConfig(
    await kubeconfig(dir, "b", one({ server: "https://k" }, { tokenFile: "token" })),
  );
  assert.equal((await applied(fromFile)).headers.Authorization, "Bearer first");
  await writeFile(join(dir, "token"), "second\n");
  assert.equal((await applied(fromFile)).headers.Authorization, "Bearer second");
});

test("basic auth, insecure-skip-tls-verify and tls-server-name", async (t) => {
  const dir = await tempDir(t);
  const path = await kubeconfig(
    dir,
    "config",
    one(
      { server: "https://k", "insecure-skip-tls-verify": true, "tls-server-name": "api.internal" },
      { username: "admin", password: "s3cret" },
    ),
  );
  const opts = await applied(loadKubeConfig(path));
  assert.equal(opts.auth, "admin:s3cret");
  assert.equal(opts.rejectUnauthorized, false);
  assert.equal(opts.servername, "api.internal");
});

test("a $KUBECONFIG list merges as kubectl does: the first file to name an entry wins", async (t) => {
  const dir = await tempDir(t);
  const first = await kubeconfig(dir, "first", {
    clusters: { k: { server: "https://first" } },
    users: { u: { token: "from-first" } },
  });
  const second = await kubeconfig(dir, "second", {
    current: "c",
    clusters: { k: { server: "https://second" }, other: { server: "https://other" } },
    users: { u: { token: "from-second" } },
    contexts: { c: { cluster: "k", user: "u" } },
  });
  const env = { KUBECONFIG: [first, join(dir, "missing"), second].join(":") };
  const access = loadKubeConfig(undefined, env, join(dir, "no-service-account"));
  assert.equal(access.getCurrentCluster()?.server, "https://first");
  assert.equal((await applied(access)).headers.Authorization, "Bearer from-first");
});

test("~/.kube/config when $KUBECONFIG is unset, then the in-cluster service account", async (t) => {
  const home = await tempDir(t);
  const sa = await tempDir(t);
  const env = { HOME: home, KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" };
  assert.throws(() => loadKubeConfig(undefined, env, sa), /no Kubernetes cluster configured/);
  await writeFile(join(sa, "token"), "sa-token\n");
  await writeFile(join(sa, "ca.crt"), "SA-CA");
  const inCluster = loadKubeConfig(undefined, env, sa);
  assert.equal(inCluster.getCurrentCluster()?.server, "https://10.0.0.1:443");
  const opts = await applied(inCluster);
  assert.equal(opts.headers.Authorization, "Bearer sa-token");
  assert.equal(String(opts.ca), "SA-CA");
  const v6 = loadKubeConfig(undefined, { ...env, KUBERNETES_SERVICE_HOST: "fd00::1" }, sa);
  assert.equal(v6.getCurrentCluster()?.server, "https://[fd00::1]:443");

  await import("node:fs/promises").then((fs) => fs.mkdir(join(home, ".kube")));
  await kubeconfig(join(home, ".kube"), "config", one({ server: "https://home" }, {}));
  assert.equal(
    loadKubeConfig(undefined, env, sa).getCurrentCluster()?.server,
    "https://home",
    "a kubeconfig first",
  );
});

test("an exec plugin is run by client-node, loaded for it", async (t) => {
  const dir = await tempDir(t);
  const plugin = join(dir, "credential-plugin");
  const credential = {
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token: "from-exec" },
  };
  await writeFile(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
  await chmod(plugin, 0o755);
  const path = await kubeconfig(
    dir,
    "config",
    one(
      { server: "https://k" },
      { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } },
    ),
  );
  assert.equal((await applied(loadKubeConfig(path))).headers.Authorization, "Bearer from-exec");
});

test("a kubeconfig that does not add up says which entry is missing", async (t) => {
  const dir = await tempDir(t);
  assert.throws(() => loadKubeConfig(join(dir, "nope")), /kubeconfig .*nope does not exist/);
  const noCurrent = await kubeconfig(dir, "a", { clusters: { k: { server: "https://k" } } });
  assert.throws(() => loadKubeConfig(noCurrent), /no current-context/);
  const badContext = await kubeconfig(dir, "b", { current: "c" });
  assert.throws(() => loadKubeConfig(badContext), /current-context "c" is not defined/);
  const badCluster = await kubeconfig(dir, "c", { current: "c", contexts: { c: { cluster: "k" } } });
  assert.throws(() => loadKubeConfig(badCluster), /names cluster "k", not defined/);
  const badUser = await kubeconfig(dir, "d", {
    current: "c",
    clusters: { k: { server: "https://k" } },
    contexts: { c: { cluster: "k", user: "u" } },
  });
  assert.throws(() => loadKubeConfig(badUser), /names user "u", not defined/);
  const noServer = await kubeconfig(dir, "e", one({}, {}));
  assert.throws(() => loadKubeConfig(noServer), /cluster "k" has no server/);
});

test("--context picks another context: its cluster, user and namespace; an unknown one is an error", async (t) => {
  const dir = await tempDir(t);
  const path = await kubeconfig(dir, "config", {
    current: "dev",
    clusters: { a: { server: "https://a" }, b: { server: "https://b" } },
    users: { alice: { token: "ta" }, bob: { token: "tb" } },
    contexts: {
      dev: { cluster: "a", user: "alice" },
      prod: { cluster: "b", user: "bob", namespace: "shop" },
    },
  });
  const dev = loadClusterTarget({ path });
  assert.equal(dev.access.getCurrentCluster()?.server, "https://a");
  assert.deepEqual([dev.user, dev.namespace], ["alice", undefined]);
  const prod = loadClusterTarget({ path, context: "prod" });
  assert.equal(prod.access.getCurrentCluster()?.server, "https://b");
  assert.deepEqual([prod.user, prod.namespace], ["bob", "shop"]);
  assert.equal((await applied(prod.access)).headers.Authorization, "Bearer tb");
  assert.throws(
    () => loadClusterTarget({ path, context: "nope" }),
    /context "nope" does not exist in the kubeconfig/,
  );
});
