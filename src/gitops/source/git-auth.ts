// How credentials reach one git command without argv, a shell string or a file that outlives it:
// a private temp dir (0700) per command holds an askpass script (HTTPS) or an ssh wrapper (SSH),
// both 0700 and constant text; the username and password travel only in environment variables of
// that git child, the private key and known hosts in 0600 files; the dir is removed when git exits.
// Also here: how a URL's userinfo is kept out of argv and messages, and what git's stderr means
// when a remote refused us.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type GitCredentials =
  | { kind: "https"; username: string; password: string }
  /** Known hosts are always given for ssh (never StrictHostKeyChecking=no); the key may be absent. */
  | { kind: "ssh"; privateKey?: string; knownHosts: string };

export interface AuthFiles {
  dir: string;
  askpass: string;
  sshWrapper: string;
  privateKey: string;
  knownHosts: string;
}

// git asks "Username for '<url>': " and "Password for '<url>': "; the answers come from variables
// set only on that git process (and inherited by this script), never written anywhere.
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$SLUICE_GIT_USERNAME" ;;
  *) printf '%s\\n' "$SLUICE_GIT_PASSWORD" ;;
esac
`;

// -F /dev/null and GlobalKnownHostsFile=/dev/null: only the known hosts sluice was given count, as
// git.ts ignores system and user git config. BatchMode: no prompt can hold a worker.
const SSH_OPTIONS =
  '-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile="$SLUICE_SSH_KNOWN_HOSTS" ' +
  "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=30";

export function sshWrapperScript(withKey: boolean): string {
  const identity = withKey ? ' -i "$SLUICE_SSH_KEY"' : "";
  return `#!/bin/sh\nexec ssh${identity} ${SSH_OPTIONS} "$@"\n`;
}

export const askpassScript = (): string => ASKPASS;

/** The environment one git child gets for `credentials` with its files at `files` (pure). */
export function authEnv(credentials: GitCredentials, files: AuthFiles): Record<string, string> {
  if (credentials.kind === "https")
    return {
      GIT_ASKPASS: files.askpass,
      SLUICE_GIT_USERNAME: credentials.username,
      SLUICE_GIT_PASSWORD: credentials.password,
    };
  return {
    GIT_SSH: files.sshWrapper,
    // The wrapper's name says nothing to git; it speaks OpenSSH's options (-p for the port).
    GIT_SSH_VARIANT: "ssh",
    SLUICE_SSH_KNOWN_HOSTS: files.knownHosts,
    ...(credentials.privateKey === undefined ? {} : { SLUICE_SSH_KEY: files.privateKey }),
  };
}

/** ssh refuses a key without its final newline; Secrets often lose it (or carry CRLF). */
const keyText = (key: string) => `${key.replace(/\r\n/g, "\n").trimEnd()}\n`;

async function writeAuthFiles(dir: string, credentials: GitCredentials): Promise<AuthFiles> {
  const files: AuthFiles = {
    dir,
    askpass: join(dir, "askpass"),
    sshWrapper: join(dir, "ssh"),
    privateKey: join(dir, "key"),
    knownHosts: join(dir, "known_hosts"),
  };
  // flag "wx": a file that already exists (someone raced us into the dir) is an error, not reused.
  const write = (path: string, text: string, mode: number) => writeFile(path, text, { mode, flag: "wx" });
  if (credentials.kind === "https") {
    await write(files.askpass, ASKPASS, 0o700);
    return files;
  }
  await write(files.sshWrapper, sshWrapperScript(credentials.privateKey !== undefined), 0o700);
  await write(files.knownHosts, credentials.knownHosts ? `${credentials.knownHosts.trimEnd()}\n` : "", 0o600);
  if (credentials.privateKey !== undefined)
    await write(files.privateKey, keyText(credentials.privateKey), 0o600);
  return files;
}

/**
 * Runs `work` with the environment that hands `credentials` to git, in a fresh private directory
 * removed afterwards whatever happens. `inspect` (tests) sees the files while they exist.
 */
export async function withGitAuth<T>(
  credentials: GitCredentials | undefined,
  work: (env: Record<string, string>) => Promise<T>,
  inspect?: (files: AuthFiles) => Promise<void>,
): Promise<T> {
  if (!credentials) return work({});
  const dir = await mkdtemp(join(tmpdir(), "sluice-git-auth-"));
  try {
    await chmod(dir, 0o700);
    const files = await writeAuthFiles(dir, credentials);
    await inspect?.(files);
    return await work(authEnv(credentials, files));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every secret value of `credentials` replaced in `text` (git should never echo one; if it does). */
export function scrubSecrets(text: string, credentials: GitCredentials | undefined): string {
  const secrets: string[] = [];
  if (credentials?.kind === "https" && credentials.password) secrets.push(credentials.password);
  if (credentials?.kind === "ssh" && credentials.privateKey)
    secrets.push(...credentials.privateKey.split(/\r?\n/).filter((l) => l.trim().length >= 8));
  return secrets.reduce((t, secret) => t.split(secret).join("***"), text);
}

/** `scheme://user:password@host/…` → `scheme://user:***@host/…`, anywhere in a text. */
export function redactURLs(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]*):[^@\s/'"]*@/gi, "$1:***@");
}

/**
 * A URL's password taken out: git is given the URL without it (argv is world-readable in /proc,
 * and a mirror's config would keep it on disk) and the password goes through askpass instead.
 */
export function splitUserinfo(url: string): { url: string; username?: string; password?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(url);
  const authority = m?.[2] ?? "";
  const at = authority.lastIndexOf("@");
  if (!m || at < 0) return { url };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0) return { url };
  const username = userinfo.slice(0, colon);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const host = authority.slice(at + 1);
  return {
    url: `${m[1]}${username ? `${username}@` : ""}${host}${m[3]}`,
    username: decode(username),
    password: decode(userinfo.slice(colon + 1)),
  };
}

export type AuthFailure = { reason: "Authentication" | "HostKey"; summary: string; line: string };

const HOST_KEY = /Host key verification failed|No \w* ?host key is known/i;
const NO_CREDENTIALS = /could not read (Username|Password)/i;
// git's and ssh's words for "the remote refused us", by transport and host flavour.
const REFUSED = [
  /Authentication failed/i,
  /Permission denied \(/i,
  /HTTP Basic: Access denied/i,
  /requested URL returned error: (401|403)/i,
  /Invalid username or password/i,
];

/** What git's stderr says went wrong with authentication (and the line that says it), if that is it. */
export function authFailureOf(stderr: string): AuthFailure | undefined {
  const lines = stderr.split("\n").map((l) => l.trim());
  const find = (patterns: RegExp[]) => lines.find((l) => patterns.some((p) => p.test(l)));
  const hostKey = find([HOST_KEY]);
  if (hostKey !== undefined)
    return { reason: "HostKey", summary: "host key not in known hosts", line: hostKey };
  const none = find([NO_CREDENTIALS]);
  if (none !== undefined)
    return {
      reason: "Authentication",
      summary: "authentication failed: the server wants credentials and none were found for this URL",
      line: none,
    };
  const refused = find(REFUSED);
  if (refused !== undefined)
    return { reason: "Authentication", summary: "authentication failed", line: refused };
  return undefined;
}
