// A real Git HTTP server on 127.0.0.1: `git http-backend` (as CGI) behind a Node HTTP server,
// optionally demanding basic auth. The credential tests start one per test (httpGitServer,
// git-servers.ts); the chaos run keeps one for the run on a fixed port and takes it down for Git
// outages (test/chaos/git.ts): closed (connections refused) or hung (connections accepted, never
// answered), then serving again on the same port. Not tied to a test context: its owner closes it.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

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
    if (!headersDone && !res.headersSent) res.writeHead(502);
    res.end();
  });
}

/** Runs http-backend for one request on the repository (work tree) at `dir`. */
function backend(req: IncomingMessage, res: ServerResponse, dir: string, path: string, user?: string) {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
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
      PATH_INFO: `/.git/${path}`,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: header("content-type"),
      ...(req.headers["content-length"] ? { CONTENT_LENGTH: header("content-length") } : {}),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      HTTP_GIT_PROTOCOL: header("git-protocol"),
      ...(user ? { REMOTE_USER: user } : {}),
      REMOTE_ADDR: req.socket.remoteAddress ?? "",
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  // A connection dropped mid-request (an outage) leaves the backend's stdin closed early: not an error here.
  child.stdin.on("error", () => undefined);
  req.pipe(child.stdin);
  relayCgi(child, res);
}

export interface GitHttpOptions {
  /** Answer only requests with this basic-auth user and password; absent: anyone. */
  credentials?: { username: string; password: string };
  /** The port to listen on (default: one the system picks). */
  port?: number;
}

export class GitHttpServer {
  /** Every request that reached a serving server: the user it authenticated as, and the path. */
  readonly requests: { user: string | undefined; path: string }[] = [];
  private readonly repos = new Map<string, string>();
  private readonly server: Server;
  /** While hanging: the requests held unanswered. */
  private readonly held = new Set<ServerResponse>();
  private hanging = false;
  private port: number;

  private constructor(private readonly options: GitHttpOptions) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.port = options.port ?? 0;
  }

  /** Listening on 127.0.0.1; rejects if the port is taken. */
  static async start(options: GitHttpOptions = {}): Promise<GitHttpServer> {
    const server = new GitHttpServer(options);
    await server.bind();
    return server;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Publishes the repository (work tree) at `dir` as `<base>/<name>`; returns its URL. */
  serve(name: string, dir: string): string {
    this.repos.set(name, dir);
    return `${this.base}/${name}`;
  }

  /** Down: not listening, so connections are refused; open ones (held ones too) are dropped. */
  async close(): Promise<void> {
    this.hanging = false;
    this.held.clear();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Hung: connections are accepted and requests read, but none is answered until serve again. */
  hang(): void {
    this.hanging = true;
  }

  /**
   * Serving again on the same port, as a restarted server: requests held while hanging are
   * dropped (their clients see the connection close). A port taken meanwhile is tried again for
   * `retryMs`, then the error is thrown.
   */
  async resume(retryMs = 10_000): Promise<void> {
    this.hanging = false;
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
    const deadline = Date.now() + retryMs;
    while (!this.server.listening) {
      try {
        await this.bind();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  private async bind(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        this.server.off("listening", onListening);
        reject(error);
      };
      const onListening = () => {
        this.server.off("error", onError);
        resolve();
      };
      this.server.once("error", onError);
      this.server.once("listening", onListening);
      this.server.listen(this.port, "127.0.0.1");
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.hanging) {
      this.held.add(res);
      res.on("close", () => this.held.delete(res));
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, name = "", ...rest] = url.pathname.split("/");
    const wanted = this.options.credentials;
    const user = wanted && basicUser(req.headers.authorization, wanted.username, wanted.password);
    this.requests.push({ user, path: url.pathname });
    if (wanted && !user) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="sluice test"' }).end();
      return;
    }
    const dir = this.repos.get(name);
    if (!dir) return void res.writeHead(404).end();
    backend(req, res, dir, rest.join("/"), user);
  }
}
