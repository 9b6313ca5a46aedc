// Repository credentials from Secrets in the controller's namespace, in Argo CD's format so an
// Argo CD install's repo Secrets work unchanged: labelled `argocd.argoproj.io/secret-type` (or
// sluice's own `sluice.dev/secret-type`) `repository` — for the one repository its `url` names — or
// `repo-creds` — for every repository under its `url` prefix, the longest prefix winning. Keys:
// url, username, password (or token), sshPrivateKey, type (git only). SSH known hosts come from the
// ConfigMap `sluice-ssh-known-hosts` (or Argo CD's `argocd-ssh-known-hosts-cm`), key ssh_known_hosts.
// Secrets are listed when a fetch needs them and kept a few seconds (no informer holding every
// credential in memory); an edited Secret counts from the next poll.
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { ConfigMaps, Secrets } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { GitCredentials } from "./git-auth.ts";
import { normalizeRepoURL } from "./repo-url.ts";

export type { GitCredentials } from "./git-auth.ts";

/** What RepoCache asks before a clone or fetch. */
export type CredentialsProvider = (url: string) => Promise<GitCredentials | undefined>;

export const SECRET_TYPE_LABELS = ["argocd.argoproj.io/secret-type", "sluice.dev/secret-type"] as const;
export const KNOWN_HOSTS_CONFIGMAPS = ["sluice-ssh-known-hosts", "argocd-ssh-known-hosts-cm"] as const;
const KNOWN_HOSTS_KEY = "ssh_known_hosts";

/** One usable repo Secret, decoded. */
export interface RepoSecret {
  name: string;
  type: "repository" | "repo-creds";
  /** Normalised (normalizeRepoURL, userinfo dropped). */
  url: string;
  username?: string;
  password?: string;
  sshPrivateKey?: string;
}

type SecretObject = KubeObject & { data?: Record<string, string> };

/** Normal form for matching: normalizeRepoURL without any userinfo password. */
export function matchableURL(url: string): string {
  return normalizeRepoURL(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*:[^/@]*@)/i, "$1"));
}

export const isSSHURL = (url: string) => /^ssh:\/\//i.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);
export const isHTTPURL = (url: string) => /^https?:\/\//i.test(url);

/** Reads a repo Secret; notes say what of it is ignored and why (never a value). */
export function parseRepoSecret(secret: SecretObject): { secret?: RepoSecret; notes: string[] } {
  const name = secret.metadata?.name ?? "";
  const labels = secret.metadata?.labels ?? {};
  const type = SECRET_TYPE_LABELS.map((l) => labels[l]).find((v) => v === "repository" || v === "repo-creds");
  const value = (key: string) => {
    const encoded = secret.data?.[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
  };
  const notes: string[] = [];
  const url = value("url")?.trim();
  const kind = value("type")?.trim() || "git";
  if (!type || !url) return { notes: [`repository Secret "${name}" has no url: ignored`] };
  if (kind !== "git")
    return {
      notes: [`repository Secret "${name}" is of type "${kind}": not supported yet (git only), ignored`],
    };
  if (value("insecure")?.trim() === "true")
    notes.push(`repository Secret "${name}": insecure is not supported; TLS certificates are still verified`);
  const password = value("password") || value("token");
  const found: RepoSecret = { name, type, url: matchableURL(url) };
  const username = value("username");
  const sshPrivateKey = value("sshPrivateKey");
  if (username) found.username = username;
  if (password) found.password = password;
  if (sshPrivateKey?.trim()) found.sshPrivateKey = sshPrivateKey;
  return { secret: found, notes };
}

const hasCredentials = (s: RepoSecret, url: string) =>
  isSSHURL(url) ? s.sshPrivateKey !== undefined : s.password !== undefined;

/**
 * A repo-creds prefix covers a URL when the URL continues at a path boundary after it: unlike a
 * plain string prefix, `https://git.example.com` never covers `https://git.example.com.evil.io/x`,
 * so a credential is never sent to another host.
 */
export function coversURL(prefix: string, url: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length || prefix.endsWith("/") || prefix.endsWith(":")) return true;
  return url[prefix.length] === "/";
}

/**
 * The Secret whose credentials a repository gets: a `repository` Secret for exactly this URL (if it
 * holds credentials for the URL's transport), else the `repo-creds` with the longest covering
 * prefix — as Argo CD does. Ties go to the first by name, so the answer never depends on list order.
 */
export function matchRepoSecret(url: string, secrets: readonly RepoSecret[]): RepoSecret | undefined {
  const wanted = matchableURL(url);
  const usable = secrets
    .filter((s) => hasCredentials(s, url))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const exact = usable.find((s) => s.type === "repository" && s.url === wanted);
  if (exact) return exact;
  let best: RepoSecret | undefined;
  for (const s of usable)
    if (s.type === "repo-creds" && coversURL(s.url, wanted) && s.url.length > (best?.url.length ?? -1))
      best = s;
  return best;
}

/** The credentials of a matched Secret for a URL's transport. */
export function credentialsOf(
  url: string,
  secret: RepoSecret | undefined,
  knownHosts: string,
): GitCredentials | undefined {
  if (isSSHURL(url))
    return secret?.sshPrivateKey === undefined
      ? { kind: "ssh", knownHosts }
      : { kind: "ssh", privateKey: secret.sshPrivateKey, knownHosts };
  if (!isHTTPURL(url) || secret?.password === undefined) return undefined;
  // A token alone: hosts take any non-empty user name with it.
  return { kind: "https", username: secret.username || "git", password: secret.password };
}

export interface RepoCredentialsOptions {
  /** How long a reading of the Secrets and known hosts is reused (default 10 s). */
  ttlMs?: number;
  /** Told once per Secret version of what in it is ignored (for the log). */
  onNote?: (note: string) => void;
}

interface Reading {
  at: number;
  secrets: RepoSecret[];
  knownHosts: string;
}

/** The credentials provider of one controller namespace. */
export class RepoCredentials {
  private reading: { at: number; done: Promise<Reading> } | undefined;
  private readonly noted = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly options: RepoCredentialsOptions = {},
  ) {}

  readonly provider: CredentialsProvider = async (url) => {
    const { secrets, knownHosts } = await this.read();
    return credentialsOf(url, matchRepoSecret(url, secrets), knownHosts);
  };

  /** One reading shared by every fetch within the TTL (and by concurrent ones). */
  private read(): Promise<Reading> {
    const now = performance.now();
    if (this.reading && now - this.reading.at < (this.options.ttlMs ?? 10_000)) return this.reading.done;
    const done = this.readNow(now);
    this.reading = { at: now, done };
    // A failed reading is not kept: the next fetch tries again.
    done.catch(() => {
      if (this.reading?.done === done) this.reading = undefined;
    });
    return done;
  }

  private async readNow(at: number): Promise<Reading> {
    // Each request has the transport's deadline.
    const [secrets, knownHosts] = await Promise.all([this.listSecrets(), this.readKnownHosts()]);
    return { at, secrets, knownHosts };
  }

  private async listSecrets(): Promise<RepoSecret[]> {
    const byName = new Map<string, SecretObject>();
    for (const label of SECRET_TYPE_LABELS) {
      const list = await this.client.list<SecretObject>(Secrets, {
        namespace: this.namespace,
        labelSelector: `${label} in (repository,repo-creds)`,
      });
      for (const item of list.items) byName.set(item.metadata?.name ?? "", item);
    }
    const found: RepoSecret[] = [];
    for (const item of byName.values()) {
      const { secret, notes } = parseRepoSecret(item);
      if (secret) found.push(secret);
      this.note(item, notes);
    }
    return found;
  }

  private note(item: SecretObject, notes: string[]): void {
    for (const note of notes) {
      const key = `${item.metadata?.name}@${item.metadata?.resourceVersion}: ${note}`;
      if (this.noted.has(key)) continue;
      this.noted.add(key);
      this.options.onNote?.(note);
    }
  }

  private async readKnownHosts(): Promise<string> {
    const texts = await Promise.all(
      KNOWN_HOSTS_CONFIGMAPS.map(async (name) => {
        try {
          const cm = await this.client.get<SecretObject>(ConfigMaps, { namespace: this.namespace, name });
          return cm.data?.[KNOWN_HOSTS_KEY] ?? "";
        } catch (error) {
          if (isNotFound(error)) return "";
          throw error;
        }
      }),
    );
    return texts.filter((t) => t.trim()).join("\n");
  }
}
