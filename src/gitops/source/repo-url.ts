// Repository URLs: which ones sluice fetches, and one normal form per repository (so
// `https://Git.example.com/team/app.git/` and `https://git.example.com/team/app` share a mirror, and
// a webhook for one finds Applications written with the other).
import { redactURLs } from "./git-auth.ts";

export class RepoURLError extends Error {
  override name = "RepoURLError";
  constructor(message: string) {
    // Messages quote the URL; a password in it never reaches status, Events or logs.
    super(redactURLs(message));
  }
}

const ALLOWED = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/;

/** Refuses what git must never be handed: options in disguise, unknown transports, newlines. */
export function checkRepoURL(url: string): void {
  if (!url) throw new RepoURLError("source.repoURL is empty");
  if (url.startsWith("-")) throw new RepoURLError(`repoURL "${url}" starts with "-"`);
  if (/[\s\0]/.test(url)) throw new RepoURLError(`repoURL "${url}" contains whitespace`);
  if (!ALLOWED.test(url))
    throw new RepoURLError(
      `repoURL "${url}": only https, http, ssh, git and file URLs (or user@host:path) are supported`,
    );
}

/** One spelling per repository: lower-case scheme and host, no trailing "/" or ".git". */
export function normalizeRepoURL(url: string): string {
  const trimmed = url
    .trim()
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(trimmed);
  if (!scheme) return trimmed;
  return `${scheme[1]?.toLowerCase()}://${scheme[2]?.toLowerCase()}${scheme[3]}`;
}
