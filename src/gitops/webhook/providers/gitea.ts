// Gitea (and Forgejo, and Gogs): `X-Gitea-Event` / `X-Gogs-Event: push`, signed with the bare hex
// HMAC-SHA256 of the body in `X-Gitea-Signature` / `X-Gogs-Signature`; the payload is GitHub's shape.
// Gitea also sends GitHub's headers, so it is registered before GitHub. Argo CD reads these
// deliveries as Gogs', hence its secret key.
import { header } from "../event.ts";
import type { WebhookProvider } from "../provider.ts";
import { hmacSha256Matches } from "../verify.ts";
import { githubShapedPush } from "./github.ts";

const eventOf = (headers: Parameters<WebhookProvider["detects"]>[0]) =>
  header(headers, "X-Gitea-Event") ?? header(headers, "X-Gogs-Event");

export const gitea: WebhookProvider = {
  name: "gitea",
  argoCDSecretKey: "webhook.gogs.secret",
  signsBody: true,
  detects: (headers) => eventOf(headers) !== undefined,
  verify: (headers, body, secret) =>
    body !== undefined &&
    hmacSha256Matches(
      secret,
      body,
      header(headers, "X-Gitea-Signature") ?? header(headers, "X-Gogs-Signature"),
      "",
    ),
  parse(headers, payload) {
    const event = eventOf(headers) ?? "";
    return event === "push" ? githubShapedPush(payload) : { type: "ignored", event };
  },
};
