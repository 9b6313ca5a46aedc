// Private repositories against real local servers and the real API server: Applications on a repo
// behind HTTP basic auth (`git http-backend`) and over SSH (sshd with a test key) sync with
// credentials from Secrets in the controller's namespace — an Argo CD `repository` Secret, a sluice
// `repo-creds` prefix Secret and Argo CD's known-hosts ConfigMap — while a wrong password, a wrong
// key and an unknown host key are each a ComparisonError naming the repository and the reason. The
// password and the private key appear nowhere in sluice's log, the Events, the Applications'
// status or the API server's audit log. The chart's RBAC grants those reads in its own namespace.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { Application } from "../../../src/api/application.ts";
import { Applications, ConfigMaps, Events, type ResourceType, Secrets } from "../../../src/kube/resources.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { binaryPaths } from "../../cluster/binaries.ts";
import { readAllAuditEvents } from "../../helpers/audit.ts";
import { httpGitServer, sshGitServer, sshKeyPair, testSecret } from "../../helpers/git-servers.ts";
import { application, configMap, gitopsSetUp, repository } from "../../helpers/gitops.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

const run = promisify(execFile);
const chart = resolve(fileURLToPath(import.meta.url), "../../../../charts/sluice");
const rbac = (plural: string, kind: string): ResourceType => ({
  group: plural === "serviceaccounts" ? "" : "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: true,
});
const NAMESPACED_RBAC: Record<string, ResourceType> = {
  ServiceAccount: rbac("serviceaccounts", "ServiceAccount"),
  Role: rbac("roles", "Role"),
  RoleBinding: rbac("rolebindings", "RoleBinding"),
};

type Client = Awaited<ReturnType<typeof gitopsSetUp>>["client"];

async function repoWith(t: TestContext, name: string) {
  const repo = await repository(t);
  const sha = await repo.commit({ [`app/${name}.yaml`]: configMap(name, "1") }, name);
  return { ...repo, sha };
}

function repoSecret(
  namespace: string,
  name: string,
  label: string,
  type: string,
  data: Record<string, string>,
) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { [label]: type } },
    stringData: data,
  };
}

const ARGO = "argocd.argoproj.io/secret-type";
const SLUICE = "sluice.dev/secret-type";

async function createApp(client: Client, namespace: string, name: string, url: string) {
  const app = application(namespace, url);
  await client.create(Applications, { ...app, metadata: { name, namespace } }, "test");
}

function untilApp(
  client: Client,
  namespace: string,
  name: string,
  what: string,
  ok: (a: Application) => boolean,
) {
  return waitFor(`${name}: ${what}`, async () => {
    const a = await client.get<Application>(Applications, { namespace, name });
    return ok(a) ? a : pending(JSON.stringify({ sync: a.status?.sync, c: a.status?.conditions }));
  });
}

const comparisonError = (a: Application) =>
  a.status?.conditions?.find((c) => c.type === "ComparisonError")?.message;

test("private repos over HTTPS basic auth and SSH sync; wrong password, wrong key, unknown host key say so; no secret anywhere", async (t) => {
  const password = testSecret("http-password");
  const http = await httpGitServer(t, { username: "deploy", password });
  const key = await sshKeyPair(t);
  const wrongKey = await sshKeyPair(t);
  const ssh = await sshGitServer(t, key.publicKey);
  const unknown = await sshGitServer(t, key.publicKey);

  const httpRepo = await repoWith(t, "from-http");
  const httpURL = http.serve("private", httpRepo.dir);
  const wrongURL = http.serve("other", (await repoWith(t, "never-http")).dir);
  const sshRepo = await repoWith(t, "from-ssh");
  const sshURL = ssh.url(sshRepo.dir);
  const wrongKeyURL = ssh.url((await repoWith(t, "never-key")).dir);
  const unknownURL = unknown.url((await repoWith(t, "never-host")).dir);

  const { namespace, client, sluice } = await gitopsSetUp(t, "creds");
  // Every Secret and the known hosts exist before the first Application: the controller reads them
  // once per fetch within a few seconds, so a late one would be seen only on the next poll.
  const secrets = [
    repoSecret(namespace, "http-repo", ARGO, "repository", {
      url: `${httpURL}.git`,
      username: "deploy",
      password,
      // Ignored with a note in the log: TLS is verified whatever a Secret says.
      insecure: "true",
    }),
    repoSecret(namespace, "http-wrong", SLUICE, "repository", {
      url: wrongURL,
      username: "deploy",
      password: "not-the-password",
      type: "git",
    }),
    repoSecret(namespace, "ssh-server", SLUICE, "repo-creds", {
      url: `ssh://${sshURL.split("//")[1]?.split("/")[0]}/`,
      sshPrivateKey: key.privateKey,
    }),
    // An exact repository Secret wins over the server-wide repo-creds: the wrong key is used.
    repoSecret(namespace, "ssh-wrong-key", ARGO, "repository", {
      url: wrongKeyURL,
      sshPrivateKey: wrongKey.privateKey,
    }),
    repoSecret(namespace, "ssh-unknown-host", ARGO, "repo-creds", {
      url: unknownURL,
      sshPrivateKey: key.privateKey,
    }),
  ];
  for (const secret of secrets) await client.create(Secrets, secret, "test");
  // Argo CD's known-hosts ConfigMap holds the first server; sluice's own one something unrelated.
  const knownHosts = (name: string, text: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { ssh_known_hosts: text },
  });
  await client.create(ConfigMaps, knownHosts("argocd-ssh-known-hosts-cm", ssh.knownHosts), "test");
  await client.create(
    ConfigMaps,
    knownHosts(
      "sluice-ssh-known-hosts",
      "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    ),
    "test",
  );

  for (const [name, url] of [
    ["http-ok", httpURL],
    ["http-wrong", wrongURL],
    ["ssh-ok", sshURL],
    ["ssh-wrong-key", wrongKeyURL],
    ["ssh-unknown-host", unknownURL],
  ] as const)
    await createApp(client, namespace, name, url);

  const synced = (sha: string) => (a: Application) =>
    a.status?.sync?.status === "Synced" && a.status.sync.revision === sha;
  await untilApp(client, namespace, "http-ok", "Synced over HTTPS", synced(httpRepo.sha));
  await untilApp(client, namespace, "ssh-ok", "Synced over SSH", synced(sshRepo.sha));
  for (const name of ["from-http", "from-ssh"]) await client.get(ConfigMaps, { namespace, name });
  assert.ok(
    http.requests.some((r) => r.user === "deploy"),
    "the HTTP server saw the Secret's user",
  );

  const failed = async (name: string, url: string, why: RegExp) => {
    const app = await untilApp(client, namespace, name, `ComparisonError ${why}`, (a) =>
      why.test(comparisonError(a) ?? ""),
    );
    assert.ok(comparisonError(app)?.includes(`repository ${url}`), `names the repo: ${comparisonError(app)}`);
  };
  await failed("http-wrong", wrongURL, /authentication failed/);
  await failed("ssh-wrong-key", wrongKeyURL, /authentication failed/);
  await failed("ssh-unknown-host", unknownURL, /host key not in known hosts/);
  const events = await client.list<KubeObject & { reason?: string; message?: string }>(Events, { namespace });
  assert.ok(
    events.items.some((e) => e.reason === "ComparisonError" && /authentication failed/.test(e.message ?? "")),
    "an Event says authentication failed",
  );

  // The secrets: the password, the wrong password, and every line of both private keys' bodies.
  const keyLines = (k: string) => k.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
  const values = [
    password,
    "not-the-password",
    ...keyLines(key.privateKey),
    ...keyLines(wrongKey.privateKey),
  ];
  const apps = await client.list<Application>(Applications, { namespace });
  const statuses = JSON.stringify(apps.items.map((a) => a.status));
  const log = await readFile(sluice.logFile, "utf8");
  assert.match(
    log,
    /repository Secret \\"http-repo\\": insecure is not supported/,
    "the log notes the Secret",
  );
  const audit = JSON.stringify(
    (await readAllAuditEvents()).filter((e) => e.objectRef?.namespace === namespace),
  );
  assert.ok(audit.includes('"secrets"'), "the audit log holds this test's Secret requests");
  for (const [where, text] of [
    ["sluice's log", log],
    ["Events", JSON.stringify(events.items)],
    ["Application status", statuses],
    ["the audit log", audit],
  ] as const)
    for (const value of values) assert.ok(!text.includes(value), `a secret value is in ${where}`);
});

const SubjectAccessReviews: ResourceType = {
  group: "authorization.k8s.io",
  version: "v1",
  plural: "subjectaccessreviews",
  kind: "SubjectAccessReview",
  namespaced: false,
};

test("the chart lets sluice's ServiceAccount list repo Secrets and read the known-hosts ConfigMaps in its own namespace only", async (t) => {
  const namespace = await useNamespace(t, "creds-rbac");
  const other = await useNamespace(t, "creds-rbac-other");
  const release = "sluice-creds";
  const home = join(chart, "..", "..", ".sluice", "helm");
  const { stdout } = await run(binaryPaths().helm, ["template", release, chart, "--namespace", namespace], {
    env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
  });
  const client = testClient();
  // Only the namespaced pieces: a Role is what grants Secrets, and it is what is checked.
  for (const doc of parseAllDocuments(stdout)) {
    const object = doc.toJS() as (KubeObject & { kind: string }) | null;
    const type = object && NAMESPACED_RBAC[object.kind];
    if (object && type)
      await client.create(type, { ...object, metadata: { ...object.metadata, namespace } }, "test");
  }
  const allowed = async (ns: string, verb: string, resource: string, name?: string) => {
    const review = await client.create<KubeObject & { spec?: unknown; status?: { allowed?: boolean } }>(
      SubjectAccessReviews,
      {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: `system:serviceaccount:${namespace}:${release}`,
          resourceAttributes: { namespace: ns, verb, resource, ...(name ? { name } : {}) },
        },
      },
      "test",
    );
    return review.status?.allowed === true;
  };
  // The API server's authorizer learns of a new RoleBinding through its own watch: wait for it.
  await waitFor("the chart's Role in effect", async () =>
    (await allowed(namespace, "list", "secrets")) ? true : pending("list secrets not allowed"),
  );
  for (const verb of ["get", "watch"])
    assert.ok(await allowed(namespace, verb, "secrets"), `${verb} secrets`);
  for (const name of ["sluice-ssh-known-hosts", "argocd-ssh-known-hosts-cm"])
    assert.ok(await allowed(namespace, "get", "configmaps", name), `get configmap ${name}`);
  assert.ok(!(await allowed(namespace, "get", "configmaps", "something-else")), "no other ConfigMap");
  assert.ok(!(await allowed(other, "list", "secrets")), "no Secrets listed elsewhere");
});
