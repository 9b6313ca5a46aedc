// A GitHub push delivery as GitHub sends it: the JSON body signed with HMAC-SHA256 under the
// configured secret (X-Hub-Signature-256 over the exact bytes sent), the repository named by
// clone_url and html_url, ref refs/heads/<branch>, `after` the new commit with the files it
// changed. For a bench's timings.
import { createHmac } from "node:crypto";

export interface PushDelivery {
  /** The receiver's URL, e.g. http://127.0.0.1:<port>/api/webhook. */
  url: string;
  secret: string;
  repoURL: string;
  branch: string;
  before: string;
  after: string;
  /** The files the pushed commit changed (GitHub lists them per commit). */
  changedFiles: string[];
  timeoutMs: number;
}

export interface PushAnswer {
  status: number;
  /** From just before the request to the whole answer read. */
  responseMs: number;
  body: string;
}

/** Posts one signed push and reads the answer, within the deadline. */
export async function postGithubPush(push: PushDelivery): Promise<PushAnswer> {
  const body = JSON.stringify({
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after,
    repository: {
      name: push.repoURL.split("/").at(-1),
      clone_url: push.repoURL,
      html_url: push.repoURL,
      default_branch: push.branch,
    },
    head_commit: { id: push.after },
    commits: [{ id: push.after, added: [], modified: push.changedFiles, removed: [] }],
  });
  const signature = createHmac("sha256", push.secret).update(body).digest("hex");
  const started = performance.now();
  const response = await fetch(push.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": `sha256=${signature}`,
    },
    body,
    signal: AbortSignal.timeout(push.timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, responseMs: performance.now() - started, body: text };
}
