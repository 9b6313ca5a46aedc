// The pure parts of the Prometheus provider's OAuth2 client credentials: token reuse until
// expires_in minus a margin, keys, shared in-flight requests, and token responses (read by
// oauth4webapi) whose errors never carry the secret. The request itself: prometheus-oauth2-request.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EXPIRY_MARGIN_MS,
  type FetchedToken,
  reusableUntil,
  TokenCache,
  tokenCacheKey,
} from "../../../src/metricproviders/prometheus/token-cache.ts";
import { scrubSecret, tokenFromResponse } from "../../../src/metricproviders/prometheus/token-endpoint.ts";
import { MeasurementError } from "../../../src/metricproviders/provider.ts";

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A token endpoint stand-in that counts calls and hands out tok-1, tok-2, ... */
function endpoint(expiresIn?: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: async (): Promise<FetchedToken> => {
      calls++;
      return { accessToken: `tok-${calls}`, ...(expiresIn === undefined ? {} : { expiresIn }) };
    },
  };
}

test("reusableUntil: expires_in minus the margin; unknown or too short lifetimes are not reused", () => {
  const table: [number | undefined, number | undefined][] = [
    [3600, 1_000 + 3_600_000 - EXPIRY_MARGIN_MS],
    [60, 1_000 + 60_000 - EXPIRY_MARGIN_MS],
    [11, 1_000 + 1_000],
    [10, undefined],
    [5, undefined],
    [0, undefined],
    [undefined, undefined],
    [Number.NaN, undefined],
  ];
  for (const [expiresIn, want] of table)
    assert.equal(reusableUntil(expiresIn, 1_000), want, String(expiresIn));
});

test("tokenCacheKey: per tokenUrl, clientId, scope set and secret; never the secret itself", () => {
  const key = tokenCacheKey("https://idp/token", "app", "s3cret", ["read", "write"]);
  assert.equal(key, tokenCacheKey("https://idp/token", "app", "s3cret", ["write", "read"]), "scope order");
  assert.ok(!key.includes("s3cret"));
  for (const other of [
    tokenCacheKey("https://idp2/token", "app", "s3cret", ["read", "write"]),
    tokenCacheKey("https://idp/token", "app2", "s3cret", ["read", "write"]),
    tokenCacheKey("https://idp/token", "app", "s3cret", ["read"]),
    tokenCacheKey("https://idp/token", "app", "wrong", ["read", "write"]),
  ]) {
    assert.notEqual(key, other);
  }
});

test("TokenCache reuses a token until expires_in minus the margin, then asks again", async () => {
  const clock = fakeClock();
  const cache = new TokenCache(clock.now);
  const idp = endpoint(60);
  assert.equal(await cache.get("k", idp.fetch), "tok-1");
  clock.advance(60_000 - EXPIRY_MARGIN_MS - 1);
  assert.equal(await cache.get("k", idp.fetch), "tok-1");
  assert.equal(idp.calls, 1);
  clock.advance(1);
  assert.equal(await cache.get("k", idp.fetch), "tok-2", "renewed at the margin");
  assert.equal(await cache.get("other", idp.fetch), "tok-3", "another key is another token");
  assert.equal(idp.calls, 3);
});

test("TokenCache: no expires_in means no reuse; forget drops a refused token", async () => {
  const clock = fakeClock();
  const once = endpoint();
  const cache = new TokenCache(clock.now);
  assert.equal(await cache.get("k", once.fetch), "tok-1");
  assert.equal(await cache.get("k", once.fetch), "tok-2");
  assert.equal(cache.size, 0);

  const idp = endpoint(3600);
  assert.equal(await cache.get("r", idp.fetch), "tok-1");
  cache.forget("r");
  assert.equal(await cache.get("r", idp.fetch), "tok-2");
});

test("TokenCache: concurrent callers share one request; a failed request is not cached", async () => {
  const cache = new TokenCache(fakeClock().now);
  let calls = 0;
  let release: (t: FetchedToken) => void = () => {};
  const slow = () => {
    calls++;
    return new Promise<FetchedToken>((r) => {
      release = r;
    });
  };
  const both = Promise.all([cache.get("k", slow), cache.get("k", slow)]);
  release({ accessToken: "shared", expiresIn: 3600 });
  assert.deepEqual(await both, ["shared", "shared"]);
  assert.equal(calls, 1);

  let failures = 0;
  const failing = async (): Promise<FetchedToken> => {
    failures++;
    throw new MeasurementError("refused");
  };
  await assert.rejects(cache.get("bad", failing), /refused/);
  await assert.rejects(cache.get("bad", failing), /refused/);
  assert.equal(failures, 2, "a failure is asked again next time");
});

test("TokenCache stays bounded, dropping expired then oldest entries", async () => {
  const clock = fakeClock();
  const cache = new TokenCache(clock.now, 3);
  const idp = endpoint(3600);
  for (const key of ["a", "b", "c", "d", "e"]) await cache.get(key, idp.fetch);
  assert.equal(cache.size, 3);
  const before = idp.calls;
  assert.equal(await cache.get("e", idp.fetch), "tok-5", "the newest is kept");
  assert.equal(idp.calls, before);
});

const config = {
  tokenUrl: "https://idp.example/token",
  clientId: "app",
  clientSecret: "cs-1234",
  scopes: [],
};

/** A token endpoint's answer; JSON unless told otherwise. */
function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Response(text, { status, headers: { "Content-Type": "application/json", ...headers } });
}

test("token responses: access_token and a bearer token_type; expires_in as number or numeric string", async () => {
  const table: [unknown, unknown][] = [
    [
      { access_token: "abc", token_type: "Bearer", expires_in: 300 },
      { accessToken: "abc", expiresIn: 300 },
    ],
    [
      { access_token: "abc", token_type: "bearer", expires_in: "300" },
      { accessToken: "abc", expiresIn: 300 },
    ],
    [{ access_token: "abc", token_type: "BEARER" }, { accessToken: "abc" }],
    [
      { access_token: "abc", token_type: "bearer", expires_in: 0 },
      { accessToken: "abc", expiresIn: 0 },
    ],
    [{ access_token: "abc", token_type: "bearer", scope: "a b", extra: 1 }, { accessToken: "abc" }],
  ];
  for (const [body, want] of table) {
    assert.deepEqual(await tokenFromResponse(answer(200, body), config), want, JSON.stringify(body));
  }
});

test("token responses oauth4webapi does not accept are not usable, and say why", async () => {
  const table: [Response, RegExp][] = [
    [answer(200, { token: "x", token_type: "bearer" }), /"access_token" property must be a string/],
    [answer(200, { access_token: "", token_type: "bearer" }), /"access_token" property must not be empty/],
    // Accepted before oauth4webapi read the answers: no token_type, a form-encoded body, an
    // expires_in that is not a number, a 2xx other than 200 (RFC 6749 §5.1 says 200).
    [answer(200, { access_token: "abc" }), /"token_type" property must be a string/],
    [answer(200, { access_token: "abc", token_type: "bearer", expires_in: "soon" }), /"expires_in".* number/],
    [
      answer(200, { access_token: "abc", token_type: "bearer", expires_in: -5 }),
      /"expires_in".* non-negative/,
    ],
    [
      answer(200, "access_token=abc&token_type=bearer", {
        "Content-Type": "application/x-www-form-urlencoded",
      }),
      /content-type must be application\/json/,
    ],
    [
      answer(200, "<html>oops</html>", { "Content-Type": "text/html" }),
      /content-type must be application\/json/,
    ],
    [answer(200, [1]), /must be a top level object/],
    [answer(200, { access_token: "abc", token_type: "mac" }), /unsupported `token_type`/],
    [
      answer(201, { access_token: "abc", token_type: "bearer" }),
      /^OAuth2 token request failed \(HTTP 201\)$/,
    ],
  ];
  for (const [response, reason] of table) {
    await assert.rejects(
      tokenFromResponse(response, config),
      (e: Error) => e instanceof MeasurementError && reason.test(e.message),
      String(reason),
    );
  }
  await assert.rejects(
    tokenFromResponse(answer(200, { access_token: "abc", token_type: "DPoP" }), config),
    /^MeasurementError: OAuth2 token response has token_type "dpop"; only bearer tokens are supported$/,
    "a DPoP-bound token cannot be sent as Bearer",
  );
  await assert.rejects(
    tokenFromResponse(answer(200, { token: "x" }), config),
    /^MeasurementError: OAuth2 token response is not usable: /,
  );
});

test("a refused token request is a MeasurementError with the RFC 6749 reason, never the secret", async () => {
  const secret = "p@ss word/+&=!*";
  const withSecret = { ...config, clientSecret: secret };
  const echoes = [
    `bad secret ${secret}`,
    `got ${encodeURIComponent(secret)}`,
    `body client_secret=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
  ];
  for (const description of echoes) {
    for (const status of [400, 401]) {
      await assert.rejects(
        tokenFromResponse(
          answer(status, { error: "invalid_client", error_description: description }),
          withSecret,
        ),
        (e: Error) =>
          e instanceof MeasurementError &&
          new RegExp(
            `^OAuth2 token request failed \\(HTTP ${status}: invalid_client \\(.*\\*\\*\\*\\*\\*\\)\\)$`,
          ).test(e.message) &&
          !e.message.includes(secret) &&
          !e.message.includes(encodeURIComponent(secret)),
        description,
      );
    }
  }
  // A WWW-Authenticate challenge (RFC 6749 §5.2 for HTTP authentication) gives the reason instead.
  await assert.rejects(
    tokenFromResponse(
      answer(401, "", {
        "WWW-Authenticate": `Basic realm="idp", error="invalid_client", error_description="no ${secret}"`,
      }),
      withSecret,
    ),
    (e: Error) => e.message === "OAuth2 token request failed (HTTP 401: invalid_client (no *****))",
  );
  await assert.rejects(
    tokenFromResponse(answer(500, `internal error; request was client_secret=${secret}`), withSecret),
    (e: Error) => e.message === "OAuth2 token request failed (HTTP 500)",
    "a body that is not an RFC 6749 error is not echoed",
  );
  // oauth4webapi reads RFC 6749 error bodies on 4xx only (before, a 5xx one was echoed too).
  await assert.rejects(
    tokenFromResponse(answer(503, { error: "temporarily_unavailable" }), withSecret),
    (e: Error) => e.message === "OAuth2 token request failed (HTTP 503)",
  );
  await assert.rejects(
    tokenFromResponse(answer(401, "<html>no</html>", { "Content-Type": "text/html" }), withSecret),
    (e: Error) => e.message === "OAuth2 token request failed (HTTP 401)",
  );
  assert.equal(scrubSecret("a s3cret b", "s3cret"), "a ***** b");
  assert.equal(scrubSecret("nothing", ""), "nothing");
});
