// The one way sluice runs git: the `git` CLI with an argument array (never a shell string), a
// deadline, a cap on what it may print, no terminal prompts and no system or global config, so a
// repository's answer is the same on every machine. A failure is a GitError carrying git's own
// message (trimmed, with any URL password and credential redacted), which status and Events show.
// Credentials for a remote reach git through git-auth.ts (environment and private temp files).
import { execFile } from "node:child_process";
import { authFailureOf, type GitCredentials, redactURLs, scrubSecrets, withGitAuth } from "./git-auth.ts";

export class GitError extends Error {
  override name = "GitError";
  constructor(
    message: string,
    readonly reason: "Timeout" | "Failed" | "NotFound" | "Authentication" | "HostKey",
  ) {
    // Every message may reach status, Events and logs: no URL password in any of them.
    super(redactURLs(message));
  }
}

export interface GitOptions {
  /** Repository (or work tree) to run in. */
  cwd?: string;
  /** Deadline of the whole command (default 60 s). */
  timeoutMs?: number;
  /** Cap on stdout (default 16 MiB). */
  maxOutput?: number;
  /** Credentials for the remote this command talks to. */
  credentials?: GitCredentials | undefined;
  /** The remote, as messages name it (an authentication failure says which repository). */
  remote?: string;
}

/** Environment for git: no prompt (a hung credential prompt would hold a worker), no user config. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ASKPASS: "/bin/false",
    // Transports a repoURL may use; never ext:: (runs a command) or fd::.
    GIT_ALLOW_PROTOCOL: "https:http:ssh:git:file",
    LC_ALL: "C",
  };
}

/** Runs `git <args>` and returns its stdout; rejects with a GitError. */
export function git(args: string[], options: GitOptions = {}): Promise<string> {
  return withGitAuth(options.credentials, (authEnv) => run(args, options, authEnv));
}

function run(args: string[], options: GitOptions, authEnv: Record<string, string>): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd: options.cwd,
        env: { ...gitEnv(), ...authEnv },
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: options.maxOutput ?? 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const what = `git ${args[0] ?? ""}`;
        if ((error as { killed?: boolean }).killed)
          return reject(new GitError(`${what}: no answer within ${timeoutMs}ms`, "Timeout"));
        reject(failure(what, scrubSecrets(stderr || error.message, options.credentials), options));
      },
    );
  });
}

function failure(what: string, stderr: string, options: GitOptions): GitError {
  const auth = authFailureOf(stderr);
  if (!auth) {
    const lines = stderr
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return new GitError(`${what}: ${lines.slice(-3).join("; ").slice(0, 500)}`, "Failed");
  }
  const remote = options.remote ? `repository ${options.remote}: ` : "";
  return new GitError(`${what}: ${remote}${auth.summary} (${auth.line.slice(0, 300)})`, auth.reason);
}
