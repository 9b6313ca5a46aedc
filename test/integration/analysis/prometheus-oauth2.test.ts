// prometheus.authentication.oauth2 (client credentials). The harness's Prometheus has no auth, so
// a small gateway in front of it demands `Authorization: Bearer <token>` with a token issued by a
// local token endpoint that checks the client's id, secret and scopes. Proven: the query goes
// through only with a token; the token is fetched once across measurements (cache) and again
// after the gateway revokes it; the token URL obeys the address policy and no redirects; a
// secretKeyRef clientSecret never shows in status, Events or logs — even when the token
// endpoint echoes a wrong secret in its error.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { analysisRunController } from "../../../src/analysis/controller.ts";
import type { AnalysisRun } from "../../../src/api/analysis.ts";
import { AnalysisRuns, Events, Secrets } from "../../../src/kube/resources.ts";
import { type PrometheusMetric, PrometheusProvider } from "../../../src/metricproviders/prometheus/index.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";
import { untilCompleted } from "../../helpers/analysis-runs.ts";
import { installAnalysisCrds } from "../../helpers/exporter.ts";
import { testClient, useNamespace } from "../../helpers/kube.ts";
import { prometheusUrl } from "../../helpers/prometheus.ts";
import { startSluice } from "../../helpers/sluice.ts";

async function listen(t: TestContext, server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A client-credentials token endpoint; a refusal naively echoes the secret it was sent. */
async function startTokenEndpoint(
  t: TestContext,
  clients: Record<string, { secret: string; scope: string }>,
) {
  const hits = new Map<string, number>();
  const issued = new Set<string>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.url === "/redirect") {
        res.writeHead(307, { Location: "/token" }).end();
        return;
      }
      const form = new URLSearchParams(body);
      const id = form.get("client_id") ?? "";
      hits.set(id, (hits.get(id) ?? 0) + 1);
      const client = clients[id];
      res.setHeader("Content-Type", "application/json");
      if (
        req.method !== "POST" ||
        req.headers["content-type"]?.split(";")[0]?.trim() !== "application/x-www-form-urlencoded" ||
        form.get("grant_type") !== "client_credentials" ||
        !client ||
        form.get("client_secret") !== client.secret ||
        form.get("scope") !== client.scope
      ) {
        res.statusCode = 401;
        res.end(
          JSON.stringify({
            error: "invalid_client",
            error_description: `unknown client ${id} with secret ${form.get("client_secret")}`,
          }),
        );
        return;
      }
      const token = `tok-${randomBytes(8).toString("hex")}`;
      issued.add(token);
      res.end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }));
    });
  });
  const url = await listen(t, server);
  return { url: `${url}/token`, redirectUrl: `${url}/redirect`, hits, issued };
}

/** Prometheus behind a gate that wants a Bearer token the endpoint issued. */
async function startGateway(t: TestContext, issued: Set<string>): Promise<string> {
  const upstream = new URL(prometheusUrl());
  const server = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || !issued.has(token)) {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          status: "error",
          errorType: "unauthorized",
          error: "a valid bearer token is required",
        }),
      );
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  return listen(t, server);
}

test("prometheus oauth2: a token from the endpoint, reused, renewed when refused; policy and redirects", async (t) => {
  const secret = `cs-${randomBytes(12).toString("hex")}`;
  const idp = await startTokenEndpoint(t, { sluice: { secret, scope: "metrics:read tenant:a" } });
  const gateway = await startGateway(t, idp.issued);
  const oauth2 = {
    tokenUrl: idp.url,
    clientId: "sluice",
    clientSecret: secret,
    scopes: ["metrics:read", "tenant:a"],
  };
  const measure = (metric: Partial<PrometheusMetric> = {}) =>
    new PrometheusProvider({
      address: gateway,
      query: "vector(1)",
      authentication: { oauth2 },
      ...metric,
    }).measure();

  await assert.rejects(
    new PrometheusProvider({ address: gateway, query: "vector(1)" }).measure(),
    /unauthorized: a valid bearer token is required/,
    "the gateway really wants a token",
  );
  assert.deepEqual((await measure()).value, [1]);
  assert.deepEqual((await measure()).value, [1]);
  assert.equal(idp.hits.get("sluice"), 1, "the second measurement reuses the token");

  // Revoked before its expiry: one measurement fails, the next fetches a new token.
  idp.issued.clear();
  await assert.rejects(measure(), /unauthorized/);
  assert.deepEqual((await measure()).value, [1]);
  assert.equal(idp.hits.get("sluice"), 2);

  const wrong = `wrong-${randomBytes(8).toString("hex")}`;
  await assert.rejects(
    measure({ authentication: { oauth2: { ...oauth2, clientSecret: wrong } } }),
    (e: Error) =>
      e instanceof MeasurementError &&
      e.message ===
        "OAuth2 token request failed (HTTP 401: invalid_client (unknown client sluice with secret *****))",
  );
  const before = [...idp.hits.values()].reduce((a, b) => a + b, 0);
  await assert.rejects(
    measure({ authentication: { oauth2: { ...oauth2, tokenUrl: idp.redirectUrl, clientId: "other" } } }),
    /OAuth2 token request failed \(HTTP 307\)/,
    "a redirect is not followed with the secret",
  );
  const gatewayHost = new URL(gateway).host;
  await assert.rejects(
    new PrometheusProvider(
      { address: gateway, query: "vector(1)", authentication: { oauth2: { ...oauth2, clientId: "fresh" } } },
      { allow: [gatewayHost] },
    ).measure(),
    /^MeasurementError: prometheus\.authentication\.oauth2\.tokenUrl: address http:\/\/127\.0\.0\.1:\d+ is denied: not in --metric-address-allow$/,
  );
  assert.equal(
    [...idp.hits.values()].reduce((a, b) => a + b, 0),
    before,
    "neither reached the token endpoint",
  );
  assert.throws(
    () =>
      new PrometheusProvider({
        address: gateway,
        query: "up",
        authentication: { oauth2: { tokenUrl: idp.url } },
      }),
    /prometheus\.authentication\.oauth2: clientId, clientSecret required/,
  );
});

test("prometheus oauth2 in AnalysisRuns: secretKeyRef clientSecret, one token for the run, never written", async (t) => {
  await installAnalysisCrds();
  const secret = `cs-${randomBytes(12).toString("hex")}`;
  const wrong = `wrong-${randomBytes(12).toString("hex")}`;
  const idp = await startTokenEndpoint(t, { "sluice-run": { secret, scope: "metrics:read" } });
  const gateway = await startGateway(t, idp.issued);
  const namespace = await useNamespace(t, "oauth2");
  const client = testClient();
  for (const [name, value] of [
    ["idp", secret],
    ["idp-wrong", wrong],
  ] as const) {
    await client.create(
      Secrets,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace },
        data: { clientSecret: Buffer.from(value).toString("base64") },
      },
      "test",
    );
  }
  const sluice = await startSluice(t, [analysisRunController], { namespace });
  const run = (name: string, secretName: string, extra: Record<string, unknown>) =>
    client.create<AnalysisRun>(
      AnalysisRuns,
      {
        apiVersion: "sluice.dev/v1alpha1",
        kind: "AnalysisRun",
        metadata: { name, namespace },
        spec: {
          args: [{ name: "cs", valueFrom: { secretKeyRef: { name: secretName, key: "clientSecret" } } }],
          metrics: [
            {
              name: "authed",
              successCondition: "result[0] == 1",
              consecutiveErrorLimit: 0,
              ...extra,
              provider: {
                prometheus: {
                  address: gateway,
                  query: "vector(1)",
                  authentication: {
                    oauth2: {
                      tokenUrl: idp.url,
                      clientId: "sluice-run",
                      clientSecret: "{{args.cs}}",
                      scopes: ["metrics:read"],
                    },
                  },
                },
              },
            },
          ],
        },
      },
      "test",
    );
  await run("ok", "idp", { count: 2, interval: "1s" });
  await run("denied", "idp-wrong", {});
  const done = (name: string) => untilCompleted(namespace, name);
  const ok = await done("ok");
  assert.equal(ok.status?.phase, "Successful", JSON.stringify(ok.status));
  assert.equal(ok.status?.metricResults?.[0]?.measurements?.length, 2);
  const denied = await done("denied");
  assert.equal(denied.status?.phase, "Error");
  assert.match(
    denied.status?.metricResults?.[0]?.measurements?.[0]?.message ?? "",
    /^OAuth2 token request failed \(HTTP 401: invalid_client \(unknown client sluice-run with secret \*\*\*\*\*\)\)$/,
  );
  // Two measurements of "ok", one token; "denied" asked once and was refused.
  assert.equal(idp.hits.get("sluice-run"), 2);
  assert.equal(idp.issued.size, 1);

  const statuses = JSON.stringify([ok, denied]);
  const events = JSON.stringify((await client.list(Events, { namespace })).items);
  const logs = await readFile(sluice.logFile, "utf8");
  for (const [where, text] of [
    ["status", statuses],
    ["events", events],
    ["logs", logs],
  ] as const) {
    for (const value of [secret, wrong]) {
      assert.ok(!text.includes(value), `a client secret leaked into ${where}`);
      assert.ok(
        !text.includes(Buffer.from(value).toString("base64")),
        `a base64 client secret leaked into ${where}`,
      );
    }
    for (const token of idp.issued) assert.ok(!text.includes(token), `the access token leaked into ${where}`);
  }
});
