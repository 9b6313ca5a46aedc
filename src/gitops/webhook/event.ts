// What a webhook delivery means to sluice, whoever sent it: a push (the repository under every URL
// the payload names, and the refs that moved), a ping, or something to ignore. Payloads are
// untrusted: every field is read with its type checked (Argo CD's webhook panicked on a payload
// without `repository`, with `links.clone` not an array, with an empty `refUpdates` —
// reliability.md §3.1), and a payload that lacks what a push needs is a PayloadError (400).
import type { IncomingHttpHeaders } from "node:http";

export interface PushRef {
  kind: "branch" | "tag";
  name: string;
}

export type WebhookEvent =
  | {
      type: "push";
      /** Every URL the payload gives for the repository (web, HTTPS clone, SSH, git://). */
      repoURLs: string[];
      refs: PushRef[];
      /** The repository's default branch, when the payload says (for targetRevision HEAD). */
      defaultBranch?: string;
      /**
       * The files the pushed commits added, changed or removed, when the payload lists them all
       * (for argocd.argoproj.io/manifest-generate-paths); undefined: not known.
       */
      changedFiles?: string[];
    }
  | { type: "ping" }
  | { type: "ignored"; event: string };

export class PayloadError extends Error {
  override name = "PayloadError";
}

/** One header's value (the first, when repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export type JsonObject = Record<string, unknown>;

export function objectAt(value: unknown, key: string): JsonObject | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const field = (value as JsonObject)[key];
  return typeof field === "object" && field !== null && !Array.isArray(field)
    ? (field as JsonObject)
    : undefined;
}

export function stringAt(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const field = (value as JsonObject)[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

export function arrayAt(value: unknown, key: string): unknown[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const field = (value as JsonObject)[key];
  return Array.isArray(field) ? field : [];
}

/** The strings among `keys` of `value`, in order, without duplicates. */
export function stringsAt(value: unknown, keys: readonly string[]): string[] {
  const found = keys.map((k) => stringAt(value, k)).filter((s): s is string => s !== undefined);
  return [...new Set(found)];
}

/** `refs/heads/x` → branch x, `refs/tags/x` → tag x; anything else (pull refs, notes) is not a push we follow. */
export function refOf(ref: string | undefined): PushRef | undefined {
  if (ref?.startsWith("refs/heads/") && ref.length > "refs/heads/".length)
    return { kind: "branch", name: ref.slice("refs/heads/".length) };
  if (ref?.startsWith("refs/tags/") && ref.length > "refs/tags/".length)
    return { kind: "tag", name: ref.slice("refs/tags/".length) };
  return undefined;
}

/** A push event from its parts, or a PayloadError naming what is missing. */
export function pushEvent(
  repoURLs: string[],
  refs: PushRef[],
  defaultBranch: string | undefined,
  changedFiles?: string[],
): WebhookEvent {
  if (repoURLs.length === 0) throw new PayloadError("push payload names no repository URL");
  if (refs.length === 0) throw new PayloadError("push payload names no branch or tag");
  return {
    type: "push",
    repoURLs,
    refs,
    ...(defaultBranch ? { defaultBranch } : {}),
    ...(changedFiles ? { changedFiles } : {}),
  };
}

/**
 * The files a GitHub-shaped or GitLab push payload says its commits touched (`commits[]` with
 * `added`, `modified`, `removed`). Undefined whenever the list may be incomplete: no commits (a
 * branch created or deleted), a commit without the three lists, or fewer commits listed than
 * pushed (GitLab lists 20 of `total_commits_count`).
 */
export function changedFilesOf(payload: unknown): string[] | undefined {
  const commits = arrayAt(payload, "commits");
  if (commits.length === 0) return undefined;
  const total = objectLike(payload) ? payload.total_commits_count : undefined;
  if (typeof total === "number" && total > commits.length) return undefined;
  const files = new Set<string>();
  for (const commit of commits) {
    const touched = filesOfCommit(commit);
    if (touched === undefined) return undefined;
    for (const file of touched) files.add(file);
  }
  return [...files];
}

/** A commit's added, modified and removed files; undefined when it lacks one of the lists. */
function filesOfCommit(commit: unknown): string[] | undefined {
  if (!objectLike(commit)) return undefined;
  const lists = [commit.added, commit.modified, commit.removed];
  if (!lists.every(Array.isArray)) return undefined;
  return (lists as unknown[][]).flat().filter((file): file is string => typeof file === "string");
}

const objectLike = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
