// GitHub: `X-GitHub-Event: push` (or `ping` when the hook is created), signed with
// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. A push names the repository by
// html_url, clone_url, ssh_url and git_url, and carries its default branch.
import {
  changedFilesOf,
  header,
  objectAt,
  PayloadError,
  pushEvent,
  refOf,
  stringAt,
  stringsAt,
} from "../event.ts";
import type { WebhookProvider } from "../provider.ts";
import { hmacSha256Matches } from "../verify.ts";

export const GITHUB_URL_FIELDS = ["html_url", "clone_url", "ssh_url", "git_url"] as const;

/** A GitHub-shaped push payload (GitHub, and Gitea/Gogs/Forgejo which copy it). */
export function githubShapedPush(payload: unknown) {
  const repository = objectAt(payload, "repository");
  if (!repository) throw new PayloadError("push payload has no repository");
  const ref = refOf(stringAt(payload, "ref"));
  return pushEvent(
    stringsAt(repository, GITHUB_URL_FIELDS),
    ref ? [ref] : [],
    stringAt(repository, "default_branch"),
    changedFilesOf(payload),
  );
}

export const github: WebhookProvider = {
  name: "github",
  argoCDSecretKey: "webhook.github.secret",
  signsBody: true,
  detects: (headers) => header(headers, "X-GitHub-Event") !== undefined,
  verify: (headers, body, secret) =>
    body !== undefined && hmacSha256Matches(secret, body, header(headers, "X-Hub-Signature-256")),
  parse(headers, payload) {
    const event = header(headers, "X-GitHub-Event") ?? "";
    if (event === "ping") return { type: "ping" };
    if (event !== "push") return { type: "ignored", event };
    return githubShapedPush(payload);
  },
};
