// The receiver over real HTTP on loopback, with the Kubernetes side replaced: what each bad request
// is answered (404, 405, 400, 415, 413 declared and streamed, 401 for every authentication
// failure, 503 when too many are in flight), that a verified push reaches the refresher and a
// refused one never does, and the metric of each result.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import pino from "pino";
import { Registry } from "prom-client";
import type { WebhookEvent } from "../../../src/gitops/webhook/event.ts";
import { type HandlerDeps, MAX_IN_FLIGHT, WebhookHandler } from "../../../src/gitops/webhook/handler.ts";
import { WebhookMetrics } from "../../../src/gitops/webhook/metrics.ts";
import type { WebhookProvider } from "../../../src/gitops/webhook/provider.ts";
import { defaultProviders } from "../../../src/gitops/webhook/providers/index.ts";

const SECRET = "s3cret";
const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const pushBody = JSON.stringify({
  ref: "refs/heads/main",
  repository: { html_url: "https://github.com/team/app", default_branch: "main" },
});
type Push = WebhookEvent & { type: "push" };

async function receiver(
  t: TestContext,
  options: {
    secrets?: Record<string, string>;
    allowUnsigned?: boolean;
    refresh?: (p: Push) => Promise<void>;
  } = {},
) {
  const registry = new Registry();
  const pushes: Push[] = [];
  const secretReads: string[] = [];
  const deps: HandlerDeps = {
    providers: defaultProviders(),
    secrets: {
      secretFor: async (p: WebhookProvider) => {
        secretReads.push(p.name);
        const value = (options.secrets ?? { github: SECRET, gitlab: SECRET, generic: SECRET })[p.name];
        return value === undefined ? undefined : Buffer.from(value);
      },
      describe: (p) => `key ${p.name}.secret`,
    },
    refresher: {
      refresh: async (push) => {
        pushes.push(push);
        await options.refresh?.(push);
        return { refreshed: ["a", "b"], failed: [] };
      },
    },
    metrics: new WebhookMetrics(registry),
    logger: pino({ level: "silent" }),
    maxPayloadBytes: 1024,
    allowUnsigned: options.allowUnsigned ?? false,
  };
  const handler = new WebhookHandler(deps);
  const server = createServer((req, res) => void handler.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook`;
  const post = (headers: Record<string, string>, body: string, path = "") =>
    fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const metric = async (provider: string, result: string) => {
    const text = await registry.metrics();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`sluice_webhook_requests_total{provider="${provider}",result="${result}"} `));
    return Number(line?.split(" ")[1] ?? 0);
  };
  return { url, post, pushes, secretReads, metric };
}

test("a signed GitHub push reaches the refresher and is answered with the count", async (t) => {
  const r = await receiver(t);
  const res = await r.post({ "x-github-event": "push", "x-hub-signature-256": sign(pushBody) }, pushBody);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { refreshed: 2 });
  assert.equal(r.pushes.length, 1);
  assert.deepEqual(r.pushes[0]?.refs, [{ kind: "branch", name: "main" }]);
  assert.equal(await r.metric("github", "refreshed"), 1);
});

test("every authentication failure is 401, and nothing is refreshed", async (t) => {
  const r = await receiver(t);
  const cases: Record<string, string>[] = [
    { "x-github-event": "push" },
    { "x-github-event": "push", "x-hub-signature-256": sign(pushBody, "wrong") },
    { "x-github-event": "push", "x-hub-signature-256": sign(`${pushBody} `) },
    { "x-github-event": "push", "x-hub-signature-256": `${sign(pushBody)}00` },
    { "x-github-event": "push", "x-hub-signature-256": sign(pushBody).slice(0, 20) },
    { "x-github-event": "push", "x-hub-signature-256": sign(pushBody).replace("sha256=", "sha1=") },
  ];
  for (const headers of cases) {
    const res = await r.post(headers, pushBody);
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.deepEqual(await res.json(), { error: "unauthorized" }, "no detail");
  }
  assert.equal(r.pushes.length, 0);
  assert.equal(await r.metric("github", "bad_signature"), cases.length);
});

test("GitLab's token is checked (before the body is read), wrong or missing is 401", async (t) => {
  const r = await receiver(t);
  const body = JSON.stringify({ ref: "refs/heads/main", project: { web_url: "https://gitlab.com/g/app" } });
  assert.equal(
    (await r.post({ "x-gitlab-event": "Push Hook", "x-gitlab-token": "s3cre" }, body)).status,
    401,
  );
  assert.equal((await r.post({ "x-gitlab-event": "Push Hook" }, body)).status, 401);
  assert.equal((await r.post({ "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET }, body)).status, 200);
  assert.equal(r.pushes.length, 1);
});

test("a provider without a secret is refused unless unsigned deliveries are allowed", async (t) => {
  const strict = await receiver(t, { secrets: {} });
  const res = await strict.post({ "x-github-event": "push" }, pushBody);
  assert.equal(res.status, 401);
  assert.equal(await strict.metric("github", "no_secret"), 1);
  assert.equal(strict.pushes.length, 0);

  const lax = await receiver(t, { secrets: {}, allowUnsigned: true });
  assert.equal((await lax.post({ "x-github-event": "push" }, pushBody)).status, 200);
  assert.equal(lax.pushes.length, 1);
  const withSecret = await receiver(t, { allowUnsigned: true });
  assert.equal(
    (await withSecret.post({ "x-github-event": "push" }, pushBody)).status,
    401,
    "a configured secret is required even when unsigned deliveries are allowed",
  );
});

test("payloads over the cap are 413, declared or streamed, before the secret is read", async (t) => {
  const r = await receiver(t);
  const big = JSON.stringify({ pad: "x".repeat(2000) });
  const declared = await r.post({ "x-github-event": "push", "x-hub-signature-256": sign(big) }, big);
  assert.equal(declared.status, 413);
  assert.deepEqual(r.secretReads, [], "a declared size over the cap is refused from the headers");
  // Chunked: no Content-Length, the cap is counted as the body arrives.
  const streamed = await new Promise<number>((resolve, reject) => {
    const req = request(
      r.url,
      { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push" } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    for (let i = 0; i < 4; i++) req.write("x".repeat(600));
    req.end();
  });
  assert.equal(streamed, 413);
  assert.equal(r.pushes.length, 0);
  assert.equal(await r.metric("github", "too_large"), 2);
});

test("wrong path, method, provider, media type and JSON have their own answers", async (t) => {
  const r = await receiver(t);
  const signed = { "x-github-event": "push", "x-hub-signature-256": sign(pushBody) };
  assert.equal((await r.post(signed, pushBody, "/other")).status, 404);
  assert.equal((await fetch(r.url)).status, 405);
  assert.equal((await r.post({}, pushBody)).status, 400, "no provider header");
  assert.equal(
    (await r.post({ ...signed, "content-type": "application/x-www-form-urlencoded" }, pushBody)).status,
    415,
  );
  const notJson = "{not json";
  assert.equal(
    (await r.post({ "x-github-event": "push", "x-hub-signature-256": sign(notJson) }, notJson)).status,
    400,
  );
  const noRepo = JSON.stringify({ ref: "refs/heads/main" });
  const res = await r.post({ "x-github-event": "push", "x-hub-signature-256": sign(noRepo) }, noRepo);
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /no repository/);
  const ping = JSON.stringify({ zen: "hi" });
  assert.equal(
    (await r.post({ "x-github-event": "ping", "x-hub-signature-256": sign(ping) }, ping)).status,
    200,
  );
  assert.equal(await r.metric("github", "ping"), 1);
  assert.equal(r.pushes.length, 0);
});

test(`more than ${MAX_IN_FLIGHT} deliveries at once: the rest are answered 503`, async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const r = await receiver(t, { refresh: () => held });
  const signed = { "x-github-event": "push", "x-hub-signature-256": sign(pushBody) };
  const first = Array.from({ length: MAX_IN_FLIGHT }, () => r.post(signed, pushBody));
  await waitUntil(() => r.pushes.length === MAX_IN_FLIGHT);
  const extra = await r.post(signed, pushBody);
  assert.equal(extra.status, 503);
  release();
  assert.deepEqual(
    (await Promise.all(first)).map((x) => x.status),
    Array(MAX_IN_FLIGHT).fill(200),
  );
  assert.equal((await r.post(signed, pushBody)).status, 200, "capacity is back once they are done");
});

async function waitUntil(ok: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("condition not reached in 5s");
    await new Promise((resolve) => setImmediate(resolve));
  }
}
