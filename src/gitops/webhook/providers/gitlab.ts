// GitLab: `X-Gitlab-Event: Push Hook` / `Tag Push Hook`; `X-Gitlab-Token` is the secret itself (no
// HMAC), so it is checked before the body is read. The project names the repository by web_url,
// git_http_url and git_ssh_url (the older `repository` object repeats them).
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
import { tokenMatches } from "../verify.ts";

const PUSH_EVENTS = new Set(["Push Hook", "Tag Push Hook"]);

export const gitlab: WebhookProvider = {
  name: "gitlab",
  argoCDSecretKey: "webhook.gitlab.secret",
  signsBody: false,
  detects: (headers) => header(headers, "X-Gitlab-Event") !== undefined,
  verify: (headers, _body, secret) => tokenMatches(secret, header(headers, "X-Gitlab-Token")),
  parse(headers, payload) {
    const event = header(headers, "X-Gitlab-Event") ?? "";
    if (!PUSH_EVENTS.has(event)) return { type: "ignored", event };
    const project = objectAt(payload, "project");
    const repository = objectAt(payload, "repository");
    if (!project && !repository) throw new PayloadError("push payload has no project");
    const urls = [
      ...stringsAt(project, ["web_url", "git_http_url", "git_ssh_url", "http_url", "ssh_url"]),
      ...stringsAt(repository, ["homepage", "git_http_url", "git_ssh_url", "url"]),
    ];
    const ref = refOf(stringAt(payload, "ref"));
    const defaultBranch = stringAt(project, "default_branch");
    return pushEvent([...new Set(urls)], ref ? [ref] : [], defaultBranch, changedFilesOf(payload));
  },
};
