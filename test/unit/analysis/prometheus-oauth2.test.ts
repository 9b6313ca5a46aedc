// The pure parts of the Prometheus provider's OAuth2 client credentials: token reuse until
// expires_in minus a margin, keys, shared in-flight requests, and token responses whose errors
// never carry the secret.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseTokenBody,
  scrubSecret,
  tokenFromResponse,
} from "../../../src/metricproviders/prometheus/oauth2.ts";
import {
  EXPIRY_MARGIN_MS,
  type FetchedToken,
  reusableUntil,
  TokenCache,
  tokenCacheKey,
} from "../../../src/metricproviders/prometheus/token-cache.ts";
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

test("token responses: JSON or form-encoded, expires_in as number or string", () => {
  assert.deepEqual(
    tokenFromResponse(200, '{"access_token":"abc","token_type":"Bearer","expires_in":300}', "s"),
    {
      accessToken: "abc",
      expiresIn: 300,
    },
  );
  assert.deepEqual(tokenFromResponse(200, '{"access_token":"abc","expires_in":"300"}', "s"), {
    accessToken: "abc",
    expiresIn: 300,
  });
  assert.deepEqual(tokenFromResponse(200, "access_token=abc&token_type=bearer", "s"), { accessToken: "abc" });
  assert.deepEqual(tokenFromResponse(200, '{"access_token":"abc","expires_in":"soon"}', "s"), {
    accessToken: "abc",
  });
  assert.equal(parseTokenBody("<html>oops</html>"), undefined);
  assert.equal(parseTokenBody("[1]"), undefined);
});

test("a refused or odd token response is a MeasurementError that never carries the secret", () => {
  const secret = "p@ss word/+&=!*";
  const echoes = [
    JSON.stringify({ error: "invalid_client", error_description: `bad secret ${secret}` }),
    JSON.stringify({ error: "invalid_client", error_description: `got ${encodeURIComponent(secret)}` }),
    JSON.stringify({
      error: "invalid_client",
      error_description: `body client_secret=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
    }),
  ];
  for (const body of echoes) {
    assert.throws(
      () => tokenFromResponse(401, body, secret),
      (e: Error) =>
        e instanceof MeasurementError &&
        /^OAuth2 token request failed \(HTTP 401: invalid_client \(.*\*\*\*\*\*\)\)$/.test(e.message) &&
        !e.message.includes(secret) &&
        !e.message.includes(encodeURIComponent(secret)),
    );
  }
  assert.throws(
    () => tokenFromResponse(500, `internal error; request was client_secret=${secret}`, secret),
    (e: Error) => e.message === "OAuth2 token request failed (HTTP 500)",
    "a body that is not an RFC 6749 error is not echoed",
  );
  assert.throws(() => tokenFromResponse(200, '{"token":"x"}', secret), /has no access_token/);
  assert.throws(() => tokenFromResponse(200, '{"access_token":""}', secret), /has no access_token/);
  assert.equal(scrubSecret("a s3cret b", "s3cret"), "a ***** b");
  assert.equal(scrubSecret("nothing", ""), "nothing");
});
