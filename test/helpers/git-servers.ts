// Real private Git servers on loopback for the credential tests, started and stopped by the test:
// `git http-backend` (as CGI) behind a Node HTTP server that demands basic auth, and `sshd` (the
// Debian openssh-server package) running as the current user with a generated host key and one
// authorised test key. Both serve repositories the test made with repository() (test/helpers/gitops.ts).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";
const SSHD = "/usr/sbin/sshd";

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Equal in constant time (digests first, so different lengths take the same path). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function basicUser(header: string | undefined, username: string, password: string): string | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const ok = sameSecret(user, username) && sameSecret(decoded.slice(colon + 1), password);
  return ok ? user : undefined;
}

/** Writes a CGI response (headers, a blank line, the body) from the backend's stdout to `res`. */
function relayCgi(child: ChildProcess, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (headersDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf("\r\n\r\n");
    const end = crlf >= 0 ? crlf : head.indexOf("\n\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else if (name) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + (crlf >= 0 ? 4 : 2)));
  });
  child.stdout?.on("end", () => {
    if (!headersDone) res.writeHead(502);
    res.end();
  });
}

/**
 * An HTTP Git server on 127.0.0.1 that answers only requests with the given basic-auth user and
 * password. `serve(name, dir)` publishes a repository at `<url>/<name>`.
 */
export async function httpGitServer(t: TestContext, credentials: { username: string; password: string }) {
  const repos = new Map<string, string>();
  const requests: { user: string | undefined; path: string }[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, name = "", ...rest] = url.pathname.split("/");
    const user = basicUser(req.headers.authorization, credentials.username, credentials.password);
    requests.push({ user, path: url.pathname });
    if (!user) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="sluice test"' }).end();
      return;
    }
    const dir = repos.get(name);
    if (!dir) return void res.writeHead(404).end();
    const header = (h: string) => {
      const v = req.headers[h];
      return typeof v === "string" ? v : "";
    };
    const child = spawn(HTTP_BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_PROJECT_ROOT: dir,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: `/.git/${rest.join("/")}`,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: header("content-type"),
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: header("content-length") } : {}),
        HTTP_CONTENT_ENCODING: header("content-encoding"),
        HTTP_GIT_PROTOCOL: header("git-protocol"),
        REMOTE_USER: user,
        REMOTE_ADDR: req.socket.remoteAddress ?? "",
      },
      stdio: ["pipe", "pipe", "inherit"],
    });
    req.pipe(child.stdin);
    relayCgi(child, res);
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    /** Publishes the repository (work tree) at `dir` as `<base>/<name>`; returns its URL. */
    serve(name: string, dir: string): string {
      repos.set(name, dir);
      return `${base}/${name}`;
    },
  };
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/** A fresh ed25519 key pair: [private key text, public key line]. */
export async function sshKeyPair(t: TestContext): Promise<{ privateKey: string; publicKey: string }> {
  const dir = await tempDir(t, "sluice-test-key-");
  const file = join(dir, "key");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sluice-test", "-f", file]);
  return {
    privateKey: await readFile(file, "utf8"),
    publicKey: (await readFile(`${file}.pub`, "utf8")).trim(),
  };
}

/**
 * sshd on 127.0.0.1 (a free port), logging in the current user with `authorizedKey` only.
 * `url(dir)` is the ssh:// URL of a repository at an absolute path; `knownHosts` the line that
 * trusts this server's host key.
 */
export async function sshGitServer(t: TestContext, authorizedKey: string) {
  const dir = await tempDir(t, "sluice-test-sshd-");
  const hostKey = join(dir, "host_key");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  await writeFile(join(dir, "authorized_keys"), `${authorizedKey}\n`, { mode: 0o600 });
  // Run as root, sshd wants its privilege-separation directory (the package's service makes it).
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) await mkdir("/run/sshd", { mode: 0o755 });
  const port = await freePort();
  const config = [
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
  ];
  await writeFile(join(dir, "sshd_config"), `${config.join("\n")}\n`);
  const log: string[] = [];
  const sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config"), "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  sshd.stderr.on("data", (chunk: Buffer) => log.push(chunk.toString()));
  t.after(() => {
    sshd.kill("SIGTERM");
  });
  await listening(sshd, log);
  const hostPublic = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(" ").slice(0, 2).join(" ");
  const user = userInfo().username;
  return {
    port,
    log,
    knownHosts: `[127.0.0.1]:${port} ${hostPublic}`,
    url: (repoDir: string) => `ssh://${user}@127.0.0.1:${port}${repoDir}`,
  };
}

/** Resolves once sshd says it listens; rejects with its words if it exits first. */
function listening(sshd: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (log.join("").includes("Server listening")) resolve();
    };
    sshd.stderr?.on("data", onData);
    onData();
    sshd.once("exit", (code) => reject(new Error(`sshd exited (${code}) before listening: ${log.join("")}`)));
    sshd.once("error", reject);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A random secret a test can grep for afterwards. */
export const testSecret = (what: string) => `${what}-${randomBytes(12).toString("hex")}`;
