// Real private Git servers on loopback for the credential tests, started and stopped by the test:
// `git http-backend` behind basic auth (git-http.ts), and `sshd` (the
// Debian openssh-server package) running as the current user with a generated host key and one
// authorised test key. Both serve repositories the test made with repository() (test/helpers/gitops.ts).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { GitHttpServer } from "./git-http.ts";

const SSHD = "/usr/sbin/sshd";

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * An HTTP Git server on 127.0.0.1 that answers only requests with the given basic-auth user and
 * password, closed when the test ends. `serve(name, dir)` publishes a repository at `<url>/<name>`.
 */
export async function httpGitServer(t: TestContext, credentials: { username: string; password: string }) {
  const server = await GitHttpServer.start({ credentials });
  t.after(() => server.close());
  return server;
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
