// The repository cache of the Git core: one bare mirror per repository (by normalised URL) under a
// root directory, fetched with a deadline; revisions (branch, tag, SHA, HEAD) resolved to a commit;
// the tree at a commit checked out into a scratch directory for rendering. Operations on one
// mirror are serialised (a lock per repository), and callers asking to fetch while a fetch runs
// share it, so two Applications on one repository fetch once. Clones and fetches get the
// repository's credentials from the provider (credentials.ts); a password written in the URL is
// taken out of it and handed over the same way, so it is in no argv and no mirror's config.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type CredentialsProvider, isHTTPURL, isSSHURL } from "./credentials.ts";
import { GitError, git } from "./git.ts";
import { type GitCredentials, redactURLs, splitUserinfo } from "./git-auth.ts";
import { checkRepoURL, normalizeRepoURL } from "./repo-url.ts";

export interface Checkout {
  sha: string;
  /** The work tree at `sha` (the whole repository; the source path is read below it). */
  dir: string;
  /** Removes the scratch directory. */
  release(): Promise<void>;
}

export interface RepoCacheOptions {
  /** Deadline of one clone or fetch (default 60 s). */
  fetchTimeoutMs?: number;
  /** Told of every request to a remote (for metrics). */
  onRequest?: (request: GitRequest) => void;
  /** Credentials for a repository (asked on clone and fetch only). */
  credentials?: CredentialsProvider;
  /**
   * How long a checkout nobody holds is kept for the next caller of the same commit (default
   * 5 s): Applications at several paths of one repository render from one work tree.
   */
  checkoutLingerMs?: number;
}

/** One work tree at one commit, shared by everyone rendering from it at the time. */
interface SharedCheckout {
  dir: string;
  ready: Promise<void>;
  users: number;
  linger?: NodeJS.Timeout;
}

export interface GitRequest {
  url: string;
  request: "clone" | "fetch";
  seconds: number;
  ok: boolean;
}

const SHA = /^[0-9a-f]{7,40}$/i;

export class RepoCache {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Per repository: the fetch waiting for the lock, and the last one started (running or done). */
  private readonly queuedFetches = new Map<string, Promise<void>>();
  private readonly lastFetches = new Map<string, { startedAt: number; done: Promise<void> }>();
  /** Per repository: revision → commit, as of its last fetch (a fetch empties it). */
  private readonly resolved = new Map<string, Map<string, string>>();
  /** Work trees by repository and commit. */
  private readonly checkouts = new Map<string, SharedCheckout>();

  constructor(
    private readonly root: string,
    private readonly options: RepoCacheOptions = {},
  ) {}

  /** The mirror directory of a repository. */
  mirrorOf(url: string): string {
    const digest = createHash("sha256").update(normalizeRepoURL(url)).digest("hex").slice(0, 24);
    return join(this.root, "mirrors", digest);
  }

  /**
   * Brings the mirror up to date (cloning it the first time). A fetch that started at or after
   * `startedSince` (a performance.now() instant) — running or done — is shared, so Applications on
   * one repository that look together fetch once. Without it the caller gets a fetch that starts
   * after it asked (a refresh): one more is queued behind a running fetch, and everyone asking
   * meanwhile shares that one. An instant, not an age: two readings of the clock (when a refresh
   * was first seen, when the fetch is asked for) would race the fetch's own start by microseconds.
   */
  fetch(url: string, startedSince = Number.POSITIVE_INFINITY): Promise<void> {
    checkRepoURL(url);
    const key = normalizeRepoURL(url);
    const queued = this.queuedFetches.get(key);
    if (queued) return queued;
    const last = this.lastFetches.get(key);
    if (last && last.startedAt >= startedSince) return last.done;
    const entry: { startedAt: number; done: Promise<void> } = { startedAt: 0, done: Promise.resolve() };
    entry.done = this.locked(key, async () => {
      this.queuedFetches.delete(key);
      entry.startedAt = performance.now();
      this.lastFetches.set(key, entry);
      await this.fetchNow(url).catch((error: unknown) => {
        // A failed fetch is not shared with later callers: the next one tries again.
        if (this.lastFetches.get(key) === entry) this.lastFetches.delete(key);
        throw error;
      });
    });
    this.queuedFetches.set(key, entry.done);
    return entry.done;
  }

  /**
   * The commit a revision names in the mirror, as Argo CD reads targetRevision: empty or HEAD is
   * the remote's default branch; otherwise a branch, a tag, a full ref or a commit SHA.
   */
  async resolve(url: string, revision: string): Promise<string> {
    const wanted = revision.trim() || "HEAD";
    const known = this.resolved.get(normalizeRepoURL(url));
    const kept = known?.get(wanted);
    if (kept) return kept;
    const sha = await this.resolveNow(url, wanted);
    known?.set(wanted, sha);
    return sha;
  }

  private async resolveNow(url: string, wanted: string): Promise<string> {
    const dir = this.mirrorOf(url);
    if (wanted.startsWith("-")) throw new GitError(`revision "${wanted}" is not a revision`, "NotFound");
    const candidates =
      wanted === "HEAD"
        ? ["HEAD"]
        : [`refs/heads/${wanted}`, `refs/tags/${wanted}`, ...(wanted.startsWith("refs/") ? [wanted] : [])];
    if (SHA.test(wanted)) candidates.push(wanted);
    for (const candidate of candidates) {
      const sha = await git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", `${candidate}^{commit}`],
        {
          cwd: dir,
        },
      ).catch(() => "");
      if (sha.trim()) return sha.trim();
    }
    throw new GitError(`revision "${wanted}" not found in ${url}`, "NotFound");
  }

  /**
   * The tree at `sha`, read-only: one work tree per (repository, commit), shared by the callers
   * holding it and kept `checkoutLingerMs` after the last release, then removed.
   */
  async checkout(url: string, sha: string): Promise<Checkout> {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new GitError(`"${sha}" is not a full commit SHA`, "NotFound");
    const key = `${normalizeRepoURL(url)}@${sha}`;
    let shared = this.checkouts.get(key);
    if (!shared) {
      shared = this.addWorkTree(url, sha);
      this.checkouts.set(key, shared);
    }
    const entry = shared;
    entry.users++;
    clearTimeout(entry.linger);
    try {
      await entry.ready;
    } catch (error) {
      entry.users--;
      if (this.checkouts.get(key) === entry) this.checkouts.delete(key);
      throw error;
    }
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      const lingerMs = this.options.checkoutLingerMs ?? 5_000;
      if (lingerMs <= 0) return this.removeWorkTree(url, key, entry);
      entry.linger = setTimeout(() => void this.removeWorkTree(url, key, entry), lingerMs);
      entry.linger.unref();
    };
    return { sha, dir: entry.dir, release };
  }

  private addWorkTree(url: string, sha: string): SharedCheckout {
    const dir = join(this.root, "checkouts", `${sha.slice(0, 12)}-${randomBytes(4).toString("hex")}`);
    const ready = (async () => {
      await mkdir(join(this.root, "checkouts"), { recursive: true });
      await this.locked(normalizeRepoURL(url), () =>
        git(["worktree", "add", "--detach", "--force", "--quiet", dir, sha], { cwd: this.mirrorOf(url) }),
      );
    })();
    return { dir, ready, users: 0 };
  }

  /** Removes a work tree nobody holds (one taken again meanwhile stays). */
  private async removeWorkTree(url: string, key: string, entry: SharedCheckout): Promise<void> {
    if (entry.users > 0 || this.checkouts.get(key) !== entry) return;
    this.checkouts.delete(key);
    await this.locked(normalizeRepoURL(url), () =>
      git(["worktree", "remove", "--force", entry.dir], { cwd: this.mirrorOf(url) }).catch(() => undefined),
    );
    await rm(entry.dir, { recursive: true, force: true });
  }

  private async fetchNow(url: string): Promise<void> {
    const request = (await this.isWholeMirror(url)) ? "fetch" : "clone";
    const started = performance.now();
    let ok = false;
    try {
      await (request === "fetch" ? this.fetchMirror(url) : this.cloneMirror(url));
      // What revisions name is read again after every fetch (a branch may have moved).
      this.resolved.set(normalizeRepoURL(url), new Map());
      ok = true;
    } finally {
      this.options.onRequest?.({ url, request, seconds: (performance.now() - started) / 1000, ok });
    }
  }

  private async fetchMirror(url: string): Promise<void> {
    const timeoutMs = this.options.fetchTimeoutMs ?? 60_000;
    const auth = await this.authOf(url);
    await git(["fetch", "--prune", "--quiet", "origin"], { cwd: this.mirrorOf(url), timeoutMs, ...auth });
  }

  /** The URL git is given (no password), the credentials for it, and how messages name it. */
  private async authOf(url: string): Promise<{ remote: string; credentials: GitCredentials | undefined }> {
    const { url: bare, username, password } = splitUserinfo(url);
    const remote = redactURLs(url);
    // A password in an HTTPS URL is the Application's own choice and wins over any Secret (ssh
    // takes no password: sluice never answers a prompt there).
    if (password !== undefined && isHTTPURL(url))
      return { remote, credentials: { kind: "https", username: username || "git", password } };
    // file:// and git:// take no credentials: no Secret is read for them.
    if (!this.options.credentials || !(isHTTPURL(url) || isSSHURL(url)))
      return { remote, credentials: undefined };
    try {
      return { remote, credentials: await this.options.credentials(bare) };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new GitError(`repository ${remote}: cannot read its credentials: ${why}`, "Failed");
    }
  }

  /**
   * Whether the mirror directory holds a finished clone. Clones are made beside it and renamed into
   * place, so one killed midway (kill -9 takes git with it, and git cannot clean up) never sits
   * at the mirror's path; a mirror without its remote — what an older sluice's killed clone left
   * there — would fail every fetch ("'origin' does not appear to be a git repository") until
   * removed, so it is cloned again.
   */
  private async isWholeMirror(url: string): Promise<boolean> {
    const dir = this.mirrorOf(url);
    if (!existsSync(join(dir, "HEAD"))) return false;
    const origin = await git(["config", "--get", "remote.origin.url"], { cwd: dir }).catch(() => "");
    return origin.trim() !== "";
  }

  private async cloneMirror(url: string): Promise<void> {
    const dir = this.mirrorOf(url);
    const partial = `${dir}.partial`;
    const timeoutMs = this.options.fetchTimeoutMs ?? 60_000;
    await mkdir(join(this.root, "mirrors"), { recursive: true });
    // What a crash or a timeout left behind goes, so this attempt starts clean.
    await rm(partial, { recursive: true, force: true });
    try {
      const auth = await this.authOf(url);
      await git(["clone", "--mirror", "--quiet", "--", splitUserinfo(url).url, partial], {
        timeoutMs,
        ...auth,
      });
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
  }

  /** Runs `work` after every earlier operation on the same repository has finished. */
  private locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }
}
