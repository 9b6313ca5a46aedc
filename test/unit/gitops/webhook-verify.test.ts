// Webhook authentication: GitHub's published HMAC test vector, and every way a signature or token
// can be wrong answering false (never throwing: a throw would be a 500, not a 401).
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { hmacSha256Matches, tokenMatches } from "../../../src/gitops/webhook/verify.ts";

const secret = Buffer.from("It's a Secret to Everybody");
const body = Buffer.from("Hello, World!");
const vector = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

test("GitHub's published test vector verifies, with the sha256= prefix", () => {
  assert.equal(hmacSha256Matches(secret, body, `sha256=${vector}`), true);
  assert.equal(
    hmacSha256Matches(secret, body, `sha256=${vector.toUpperCase()}`),
    true,
    "hex case is not significant",
  );
  assert.equal(hmacSha256Matches(secret, body, vector, ""), true, "Gitea: no prefix");
});

test("a wrong secret, body, prefix, length or a missing header are all false", () => {
  assert.equal(hmacSha256Matches(Buffer.from("another secret"), body, `sha256=${vector}`), false);
  assert.equal(hmacSha256Matches(secret, Buffer.from("Hello, World! "), `sha256=${vector}`), false);
  assert.equal(hmacSha256Matches(secret, body, undefined), false, "missing header");
  assert.equal(hmacSha256Matches(secret, body, ""), false, "empty header");
  assert.equal(hmacSha256Matches(secret, body, vector), false, "no prefix where one is required");
  assert.equal(hmacSha256Matches(secret, body, `sha1=${vector}`), false, "another algorithm's prefix");
  assert.equal(hmacSha256Matches(secret, body, `sha256=${vector.slice(0, 62)}`), false, "too short");
  assert.equal(hmacSha256Matches(secret, body, `sha256=${vector}00`), false, "too long");
  assert.equal(hmacSha256Matches(secret, body, `sha256=${vector.slice(0, 63)}g`), false, "not hex");
  assert.equal(hmacSha256Matches(secret, body, `sha256=${vector.slice(0, 63)}0`), false, "one digit off");
});

test("the HMAC is over the raw bytes: the same JSON re-serialised does not verify", () => {
  const raw = Buffer.from('{"a": 1,\n "b": "é"}');
  const signature = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  assert.equal(hmacSha256Matches(secret, raw, signature), true);
  const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
  assert.equal(hmacSha256Matches(secret, reserialised, signature), false);
});

test("a token header matches only the exact secret, whatever its length", () => {
  const token = Buffer.from("gitlab-token-123");
  assert.equal(tokenMatches(token, "gitlab-token-123"), true);
  assert.equal(tokenMatches(token, "gitlab-token-124"), false);
  assert.equal(tokenMatches(token, "gitlab-token-1234"), false, "longer");
  assert.equal(tokenMatches(token, "gitlab"), false, "shorter");
  assert.equal(tokenMatches(token, ""), false, "empty");
  assert.equal(tokenMatches(token, undefined), false, "missing");
});
