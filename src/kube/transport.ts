// The one place sluice talks HTTP to the API server. Every request passes here, which gives:
// a user agent per process, the leader-election write fence (DESIGN.md §8: a deposed leader
// cannot write), an API request counter, typed errors, and one keep-alive connection pool.
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { createInterface } from "node:readline";
import type { ClusterAccess } from "./config.ts";
import { errorFromResponse, KubeError } from "./errors.ts";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

export interface RequestSpec {
  verb: Verb;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Accept header; JSON by default (e.g. a Table: application/json;as=Table;v=v1;g=meta.k8s.io). */
  accept?: string;
  /**
   * Writes that may pass a closed fence: the leader elector's own Lease, and a webhook's refresh
   * annotation, which any replica sets (DESIGN.md §8 HA: a non-leader only sets the annotation).
   */
  bypassFence?: boolean;
  /** The request's deadline, answer and body included (default: the transport's requestTimeoutMs). */
  timeoutMs?: number;
}

/** Every non-watch request has a deadline; watches rely on their server-side timeout and idle watchdog. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Whether writes may go now: refused (with why), or allowed for `openMs` more milliseconds. */
export type FenceState = { refused: string } | { openMs: number };
export type WriteFence = () => FenceState;

export interface TransportOptions {
  userAgent: string;
  /** Called once per response (or failure, with code 0), for the API request counter. */
  onResponse?: (verb: Verb, code: number) => void;
  /**
   * Test hook for deterministic crash points (DESIGN.md §9, SLUICE_CRASH_AFTER_WRITE): the
   * process is killed right after its n-th successful write, as a crash at that instant would.
   */
  crashAfterWrite?: number;
  /** Deadline of every non-watch request unless the request sets its own (default 30 s). */
  requestTimeoutMs?: number;
}

const methodOf: Record<Verb, string> = {
  get: "GET",
  list: "GET",
  watch: "GET",
  create: "POST",
  update: "PUT",
  patch: "PATCH",
  delete: "DELETE",
};

const AUTH_CACHE_MS = 30_000;

export class KubeTransport {
  private fence: WriteFence = () => ({ openMs: Number.POSITIVE_INFINITY });
  private readonly server: URL;
  private agent: HttpsAgent | HttpAgent | undefined;
  private auth: { headers: Record<string, string>; at: number } | undefined;
  private writes = 0;

  constructor(
    private readonly kc: ClusterAccess,
    private readonly options: TransportOptions,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  get userAgent(): string {
    return this.options.userAgent;
  }

  setWriteFence(fence: WriteFence): void {
    this.fence = fence;
  }

  /**
   * Sends a request and returns the parsed JSON body; non-2xx statuses throw KubeError, and no
   * complete answer within the deadline throws KubeError "Timeout" (a hung connection never
   * holds a worker or the lease renewal).
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    const deadlineMs = spec.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(deadlineMs);
    let res: IncomingMessage;
    let body: string;
    try {
      res = await this.send(spec, deadline);
      body = await readBody(res);
    } catch (error) {
      if (!deadline.aborted) throw error;
      this.options.onResponse?.(spec.verb, 0);
      throw new KubeError("Timeout", `${spec.verb} ${spec.path}: no answer within ${deadlineMs}ms`);
    }
    const code = res.statusCode ?? 0;
    this.options.onResponse?.(spec.verb, code);
    if (code < 200 || code >= 300) throw errorFromResponse(code, body, `${spec.verb} ${spec.path}`);
    if (methodOf[spec.verb] !== "GET" && this.options.crashAfterWrite !== undefined) {
      this.writes++;
      if (this.writes >= this.options.crashAfterWrite) process.kill(process.pid, "SIGKILL");
    }
    return (body ? JSON.parse(body) : {}) as T;
  }

  /**
   * Opens a streaming GET (a watch) and calls onLine for each line. Resolves when the server ends
   * the stream or `signal` aborts it; rejects on a non-200 answer or a broken connection.
   */
  async stream(
    spec: Omit<RequestSpec, "verb" | "body">,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await this.send({ ...spec, verb: "watch" }, signal);
    const code = res.statusCode ?? 0;
    this.options.onResponse?.("watch", code);
    if (code !== 200) throw errorFromResponse(code, await readBody(res), `watch ${spec.path}`);
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", (line) => {
        if (line) onLine(line);
      });
      const onError = (error: Error) => (signal.aborted ? resolve() : reject(networkError(error, spec.path)));
      // readline re-emits its input's errors; both need a listener or an abort crashes the process.
      res.on("error", onError);
      lines.on("error", onError);
      res.on("close", () => resolve());
      lines.on("close", () => resolve());
    });
  }

  private async send(spec: RequestSpec, signal?: AbortSignal): Promise<IncomingMessage> {
    const method = methodOf[spec.verb];
    const fenceClosesAt = method !== "GET" && !spec.bypassFence ? this.checkFence(spec) : undefined;
    const url = new URL(spec.path, this.server);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = {
      ...(await this.authHeaders()),
      Accept: spec.accept ?? "application/json",
      "User-Agent": this.options.userAgent,
    };
    if (payload !== undefined) {
      headers["Content-Type"] = spec.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const isHttps = url.protocol === "https:";
    const agent = await this.getAgent(isHttps);
    return new Promise((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(url, { method, headers, agent, signal }, resolve);
      req.on("error", (error) => {
        this.options.onResponse?.(spec.verb, 0);
        reject(networkError(error, `${spec.verb} ${spec.path}`));
      });
      if (fenceClosesAt !== undefined) abandonAtFence(req, fenceClosesAt, this.fence, spec);
      req.end(payload);
    });
  }

  /**
   * Refuses a write the fence has closed on; otherwise returns when the fence closes (undefined:
   * never). A write still unanswered then is abandoned (abandonAtFence).
   */
  private checkFence(spec: RequestSpec): number | undefined {
    const state = this.fence();
    if ("refused" in state) {
      this.options.onResponse?.(spec.verb, 0);
      throw new KubeError("Fenced", `${spec.verb} ${spec.path} refused: ${state.refused}`);
    }
    return Number.isFinite(state.openMs) ? performance.now() + state.openMs : undefined;
  }

  /** Auth headers (bearer tokens, exec plugins) are re-read periodically so rotated tokens work. */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth && Date.now() - this.auth.at < AUTH_CACHE_MS) return this.auth.headers;
    const opts: RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === "string") headers[key] = value;
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    this.auth = { headers, at: Date.now() };
    return headers;
  }

  private async getAgent(isHttps: boolean): Promise<HttpsAgent | HttpAgent> {
    if (this.agent) return this.agent;
    if (!isHttps) {
      this.agent = new HttpAgent({ keepAlive: true });
      return this.agent;
    }
    const opts: RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    this.agent = new HttpsAgent({
      keepAlive: true,
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert } : {}),
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...(opts.servername ? { servername: opts.servername } : {}),
    });
    return this.agent;
  }

  /** Closes pooled connections (and with them any open watch). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/**
 * The fence is checked when a write is dispatched, but a write can reach the API server much later
 * (a connect to a restarting API server, a TLS handshake, a busy socket): one that reached it after
 * the fence closed could land after another replica took the lease. So a write not answered by the
 * time the fence closes is abandoned — its connection destroyed, so bytes still queued are never
 * delivered — and fails as Fenced; if the lease was renewed meanwhile, the deadline moves with the
 * fence instead. One the API server answered before then is not touched.
 */
function abandonAtFence(req: ClientRequest, closesAt: number, fence: WriteFence, spec: RequestSpec): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (at: number) => {
    timer = setTimeout(check, Math.max(0, at - performance.now()));
    timer.unref();
  };
  const check = () => {
    const state = fence();
    if ("openMs" in state && state.openMs > 0) {
      if (Number.isFinite(state.openMs)) arm(performance.now() + state.openMs);
      return;
    }
    req.destroy(
      new KubeError(
        "Fenced",
        `${spec.verb} ${spec.path} abandoned: the write fence closed before the API server answered`,
      ),
    );
  };
  arm(closesAt);
  req.once("response", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
}

function networkError(error: Error, what: string): KubeError {
  if (error instanceof KubeError) return error;
  return new KubeError("Network", `${what}: ${error.message}`);
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
