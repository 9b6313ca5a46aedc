// sluice's own provider, for CI systems and forges without one here: `X-Sluice-Event: push` (or
// `ping`), signed like GitHub with `X-Sluice-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
// Body: {"repoURL": "...", "revision": "main" | "refs/heads/main" | "refs/tags/v1",
// "defaultBranch"?: "main"}. A bare revision name moves the branch or the tag of that name.
import { header, PayloadError, type PushRef, pushEvent, refOf, stringAt } from "../event.ts";
import type { WebhookProvider } from "../provider.ts";
import { hmacSha256Matches } from "../verify.ts";

function refsOf(revision: string | undefined): PushRef[] {
  if (!revision) return [];
  if (revision.startsWith("refs/")) {
    const ref = refOf(revision);
    return ref ? [ref] : [];
  }
  return [
    { kind: "branch", name: revision },
    { kind: "tag", name: revision },
  ];
}

export const generic: WebhookProvider = {
  name: "generic",
  signsBody: true,
  detects: (headers) => header(headers, "X-Sluice-Event") !== undefined,
  verify: (headers, body, secret) =>
    body !== undefined && hmacSha256Matches(secret, body, header(headers, "X-Sluice-Signature-256")),
  parse(headers, payload) {
    const event = header(headers, "X-Sluice-Event") ?? "";
    if (event === "ping") return { type: "ping" };
    if (event !== "push") return { type: "ignored", event };
    const repoURL = stringAt(payload, "repoURL");
    if (!repoURL) throw new PayloadError('push payload has no "repoURL"');
    const revision = stringAt(payload, "revision") ?? stringAt(payload, "ref");
    return pushEvent([repoURL], refsOf(revision), stringAt(payload, "defaultBranch"));
  },
};
