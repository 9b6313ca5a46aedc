// Where webhook secrets come from: sluice's Secret over Argo CD's, empty values as none, absent
// Secrets as none, a forbidden argocd-secret as none; values kept for a few seconds, a failed read
// not kept; the webhook flags.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generic } from "../../../src/gitops/webhook/providers/generic.ts";
import { gitea } from "../../../src/gitops/webhook/providers/gitea.ts";
import { github } from "../../../src/gitops/webhook/providers/github.ts";
import { gitlab } from "../../../src/gitops/webhook/providers/gitlab.ts";
import { SECRET_CACHE_MS, WebhookSecrets } from "../../../src/gitops/webhook/secrets.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeError } from "../../../src/kube/errors.ts";
import type { ObjectRef } from "../../../src/kube/resources.ts";
import { parseOptions } from "../../../src/options.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function fakeClient(secrets: Record<string, Record<string, string> | KubeError>) {
  const reads: string[] = [];
  const client = {
    get: async (_type: unknown, ref: ObjectRef) => {
      reads.push(`${ref.namespace}/${ref.name}`);
      const found = secrets[ref.name];
      if (found instanceof KubeError) throw found;
      if (!found) throw new KubeError("NotFound", `secrets "${ref.name}" not found`, 404);
      return { data: Object.fromEntries(Object.entries(found).map(([k, v]) => [k, b64(v)])) };
    },
  } as unknown as KubeClient;
  return { client, reads };
}

test("sluice's Secret wins over Argo CD's; Argo CD's keys fill in; empty is none", async () => {
  const { client, reads } = fakeClient({
    "sluice-webhook": { "github.secret": "from-sluice", "gitlab.secret": "", other: "x" },
    "argocd-secret": {
      "webhook.github.secret": "from-argo",
      "webhook.gitlab.secret": "gitlab-from-argo",
      "webhook.gogs.secret": "gogs-from-argo",
      "admin.password": "never-kept",
    },
  });
  const secrets = new WebhookSecrets(client, "sluice-system");
  assert.equal((await secrets.secretFor(github))?.toString(), "from-sluice");
  assert.equal((await secrets.secretFor(gitlab))?.toString(), "gitlab-from-argo", "an empty value is none");
  assert.equal((await secrets.secretFor(gitea))?.toString(), "gogs-from-argo");
  assert.equal(await secrets.secretFor(generic), undefined);
  assert.deepEqual(
    reads.sort(),
    ["sluice-system/argocd-secret", "sluice-system/sluice-webhook"],
    "read once",
  );
  assert.match(secrets.describe(github), /key github\.secret of Secret sluice-system\/sluice-webhook/);
});

test("no Secrets at all, or a forbidden argocd-secret, is no secret; other errors are errors", async () => {
  assert.equal(await new WebhookSecrets(fakeClient({}).client, "ns").secretFor(github), undefined);
  const forbidden = new KubeError("Forbidden", "forbidden", 403);
  const onlyOwn = fakeClient({ "argocd-secret": forbidden, "sluice-webhook": { "github.secret": "x" } });
  assert.equal((await new WebhookSecrets(onlyOwn.client, "ns").secretFor(github))?.toString(), "x");
  const ownForbidden = fakeClient({ "sluice-webhook": forbidden });
  await assert.rejects(new WebhookSecrets(ownForbidden.client, "ns").secretFor(github), /forbidden/);
});

test("values are kept for a few seconds; a failed read is tried again at once", async () => {
  let now = 1_000_000;
  const store: Record<string, Record<string, string> | KubeError> = {
    "sluice-webhook": new KubeError("ServerError", "etcd down", 500),
  };
  const { client, reads } = fakeClient(store);
  const secrets = new WebhookSecrets(client, "ns", () => now);
  await assert.rejects(secrets.secretFor(github), /etcd down/);
  store["sluice-webhook"] = { "github.secret": "one" };
  assert.equal((await secrets.secretFor(github))?.toString(), "one", "the failure was not kept");
  const readsAfter = reads.length;
  store["sluice-webhook"] = { "github.secret": "two" };
  now += SECRET_CACHE_MS - 1;
  assert.equal((await secrets.secretFor(github))?.toString(), "one");
  assert.equal(reads.length, readsAfter, "no read within the interval");
  now += 1;
  assert.equal((await secrets.secretFor(github))?.toString(), "two", "a rotated secret is used after it");
});

test("webhook flags: off by default, an address, a size in bytes or a quantity, unsigned off", () => {
  const defaults = parseOptions([], {});
  assert.equal(defaults.webhookAddr, undefined);
  assert.equal(defaults.webhookMaxPayloadBytes, 1024 * 1024);
  assert.equal(defaults.webhookAllowUnsigned, false);
  const set = parseOptions(["--webhook-addr", ":8081", "--webhook-max-payload", "512Ki"], {});
  assert.equal(set.webhookAddr, ":8081");
  assert.equal(set.webhookMaxPayloadBytes, 512 * 1024);
  const env = parseOptions([], { SLUICE_WEBHOOK_ADDR: "127.0.0.1:9000", SLUICE_WEBHOOK_MAX_PAYLOAD: "2048" });
  assert.equal(env.webhookAddr, "127.0.0.1:9000");
  assert.equal(env.webhookMaxPayloadBytes, 2048);
  assert.equal(parseOptions(["--webhook-addr=off"], { SLUICE_WEBHOOK_ADDR: ":8081" }).webhookAddr, undefined);
  assert.equal(parseOptions(["--webhook-allow-unsigned=true"], {}).webhookAllowUnsigned, true);
  assert.throws(() => parseOptions(["--webhook-addr", "8081"], {}), /--webhook-addr: .*host:port/);
  for (const bad of ["0", "-1", "1.5", "lots", "1m"])
    assert.throws(() => parseOptions(["--webhook-max-payload", bad], {}), /--webhook-max-payload/, bad);
});
