// The client-credentials request as a token endpoint on 127.0.0.1 sees it (built by oauth4webapi,
// sent by axios): its form, no redirects, a deadline for the whole exchange, a size cap, and no
// secret in any error.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { requestToken } from "../../../src/metricproviders/prometheus/token-endpoint.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  form: URLSearchParams;
}

/** A token endpoint whose answers `respond` gives; it keeps every request it saw. */
async function endpoint(t: TestContext, respond: (res: ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const one = { method: req.method, url: req.url, headers: req.headers, form: new URLSearchParams(body) };
      seen.push(one);
      respond(res, one);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const secret = "p@ss word/+&=!*";
const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

/** Asserts a MeasurementError matching `reason` that carries the secret in no form. */
function failsWith(reason: RegExp) {
  return (e: Error) =>
    e instanceof MeasurementError &&
    reason.test(e.message) &&
    !e.message.includes(secret) &&
    !e.message.includes(encodeURIComponent(secret));
}

test("the token request: a client_credentials form POST with the secret in the body, scopes space-separated", async (t) => {
  const idp = await endpoint(t, (res) =>
    json(res, 200, { access_token: "tok", token_type: "Bearer", expires_in: 60 }),
  );
  const config = {
    tokenUrl: `${idp.url}/token`,
    clientId: "sluice",
    clientSecret: secret,
    scopes: ["a", "b:c"],
  };
  assert.deepEqual(await requestToken(config, { timeoutMs: 2000 }), { accessToken: "tok", expiresIn: 60 });
  const [request] = idp.seen;
  assert.equal(request?.method, "POST");
  assert.equal(request?.url, "/token");
  assert.match(
    request?.headers["content-type"] ?? "",
    /^application\/x-www-form-urlencoded(;\s*charset=utf-8)?$/i,
  );
  assert.equal(request?.headers.accept, "application/json");
  assert.equal(request?.headers.authorization, undefined, "client_secret_post, not HTTP Basic");
  assert.deepEqual(Object.fromEntries(request?.form ?? []), {
    grant_type: "client_credentials",
    client_id: "sluice",
    client_secret: secret,
    scope: "a b:c",
  });

  await requestToken({ ...config, scopes: [] }, { timeoutMs: 2000 });
  assert.equal(idp.seen[1]?.form.has("scope"), false, "no scope parameter without scopes");
});

test("a redirect is not followed: the secret would go past the address policy", async (t) => {
  const idp = await endpoint(t, (res, seen) => {
    if (seen.url === "/redirect") res.writeHead(307, { Location: "/token" }).end();
    else json(res, 200, { access_token: "tok", token_type: "bearer" });
  });
  const config = { tokenUrl: `${idp.url}/redirect`, clientId: "sluice", clientSecret: secret, scopes: [] };
  await assert.rejects(
    requestToken(config, { timeoutMs: 2000 }),
    failsWith(/^OAuth2 token request failed \(HTTP 307\)$/),
  );
  assert.deepEqual(
    idp.seen.map((s) => s.url),
    ["/redirect"],
  );
});

test("the whole exchange has a deadline, also against a body that trickles in", async (t) => {
  const timers: NodeJS.Timeout[] = [];
  t.after(() => {
    for (const timer of timers) clearInterval(timer);
  });
  const idp = await endpoint(t, (res, seen) => {
    if (seen.url === "/silent") return;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.write('{"access_token":"tok","token_type":"bearer","pad":"');
    timers.push(setInterval(() => res.write("x"), 50));
  });
  for (const path of ["/silent", "/trickle"]) {
    const config = { tokenUrl: `${idp.url}${path}`, clientId: "sluice", clientSecret: secret, scopes: [] };
    const started = performance.now();
    await assert.rejects(
      requestToken(config, { timeoutMs: 400 }),
      failsWith(
        /^OAuth2 token endpoint http:\/\/127\.0\.0\.1:\d+ unreachable: (no answer within 400 ms|ECONNABORTED)$/,
      ),
      path,
    );
    const took = performance.now() - started;
    assert.ok(took >= 390 && took < 2000, `${path}: ended at the deadline, took ${Math.round(took)} ms`);
  }
});

test("the caller's signal ends the request; an endpoint that is not there is unreachable", async (t) => {
  const idp = await endpoint(t, () => {});
  const config = { tokenUrl: `${idp.url}/token`, clientId: "sluice", clientSecret: secret, scopes: [] };
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    requestToken(config, { timeoutMs: 5000, signal: controller.signal }),
    failsWith(/unreachable: ERR_CANCELED$/),
  );

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(
    requestToken({ ...config, tokenUrl: `http://127.0.0.1:${port}/token` }, { timeoutMs: 2000 }),
    failsWith(/^OAuth2 token endpoint http:\/\/127\.0\.0\.1:\d+ unreachable: ECONNREFUSED$/),
  );
});

test("an answer over 1 MiB is not read", async (t) => {
  const idp = await endpoint(t, (res) =>
    json(res, 200, { access_token: "tok", token_type: "bearer", pad: "x".repeat(2 * 1024 * 1024) }),
  );
  const config = { tokenUrl: `${idp.url}/token`, clientId: "sluice", clientSecret: secret, scopes: [] };
  await assert.rejects(
    requestToken(config, { timeoutMs: 5000 }),
    failsWith(/unreachable: ERR_BAD_RESPONSE$/),
  );
});
