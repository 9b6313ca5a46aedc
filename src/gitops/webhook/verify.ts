// Webhook authentication in constant time (reliability.md §3.2): an HMAC is computed over the raw
// bytes as received, never over re-serialised JSON; a shared token is compared through SHA-256
// digests, so neither its content nor its length shows in the timing. Every failure is just
// `false`: the caller answers 401 with no detail.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Equal-length buffers only: timingSafeEqual throws on unequal lengths (that must be a 401, not a 500). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when `signature` is the hex HMAC-SHA256 of `body` under `secret`, with `prefix` in front
 * (`sha256=` for GitHub and Bitbucket Server, none for Gitea). A missing header, another prefix, a
 * digest of the wrong length or with non-hex characters, or the wrong digest are all false.
 */
export function hmacSha256Matches(
  secret: Buffer,
  body: Buffer,
  signature: string | undefined,
  prefix = "sha256=",
): boolean {
  if (signature === undefined || !signature.startsWith(prefix)) return false;
  const hex = signature.slice(prefix.length);
  if (!HEX_SHA256.test(hex)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return sameBytes(Buffer.from(hex, "hex"), expected);
}

/** True when `token` (a header that carries the secret itself, as GitLab's) equals `secret`. */
export function tokenMatches(secret: Buffer, token: string | undefined): boolean {
  if (token === undefined) return false;
  const digest = (value: Buffer) => createHash("sha256").update(value).digest();
  return sameBytes(digest(Buffer.from(token, "utf8")), digest(secret));
}
