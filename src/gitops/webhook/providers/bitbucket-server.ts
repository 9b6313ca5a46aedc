// Bitbucket Server / Data Center: `X-Event-Key: repo:refs_changed` (or `diagnostics:ping`), signed
// with `X-Hub-Signature: sha256=<hex HMAC-SHA256>`. One delivery may move several refs; the
// repository's URLs are `links.clone[].href`. The payload does not carry the default branch.
// (Bitbucket Cloud sends X-Event-Key too, with X-Hook-UUID and no signature: not this provider.)
import {
  arrayAt,
  header,
  objectAt,
  PayloadError,
  type PushRef,
  pushEvent,
  refOf,
  stringAt,
} from "../event.ts";
import type { WebhookProvider } from "../provider.ts";
import { hmacSha256Matches } from "../verify.ts";

function refsOf(payload: unknown): PushRef[] {
  const refs: PushRef[] = [];
  for (const change of arrayAt(payload, "changes")) {
    const ref = refOf(stringAt(objectAt(change, "ref"), "id") ?? stringAt(change, "refId"));
    if (ref) refs.push(ref);
  }
  return refs;
}

export const bitbucketServer: WebhookProvider = {
  name: "bitbucketserver",
  argoCDSecretKey: "webhook.bitbucketserver.secret",
  signsBody: true,
  detects: (headers) =>
    header(headers, "X-Event-Key") !== undefined && header(headers, "X-Hook-UUID") === undefined,
  verify: (headers, body, secret) =>
    body !== undefined && hmacSha256Matches(secret, body, header(headers, "X-Hub-Signature")),
  parse(headers, payload) {
    const event = header(headers, "X-Event-Key") ?? "";
    if (event === "diagnostics:ping") return { type: "ping" };
    if (event !== "repo:refs_changed") return { type: "ignored", event };
    const repository = objectAt(payload, "repository");
    if (!repository) throw new PayloadError("push payload has no repository");
    const clones = arrayAt(objectAt(repository, "links"), "clone");
    const urls = clones.map((c) => stringAt(c, "href")).filter((u): u is string => u !== undefined);
    return pushEvent([...new Set(urls)], refsOf(payload), undefined);
  },
};
