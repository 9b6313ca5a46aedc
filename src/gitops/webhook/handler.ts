// One webhook delivery, in the order that costs an attacker the most and sluice the least
// (reliability.md §2.7, §3.2): the path, method, provider, media type and declared size are checked
// from the headers; then the provider's secret (a provider without one is refused unless unsigned
// deliveries are allowed); a token header is checked before the body is read; the body is read up
// to the cap and no further; a signature is checked over the raw bytes before any parsing; only
// then is the JSON read. A verified push only sets the refresh annotation: the controller reads
// Git itself and nothing from the payload is applied. Bodies, signatures and tokens are never logged.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { PayloadError, type WebhookEvent } from "./event.ts";
import type { WebhookMetrics, WebhookResult } from "./metrics.ts";
import type { ProviderRegistry, WebhookProvider } from "./provider.ts";
import type { RefreshResult } from "./refresh.ts";

export const WEBHOOK_PATH = "/api/webhook";
/** Deliveries handled at once; more are answered 503 (memory stays under this × the payload cap). */
export const MAX_IN_FLIGHT = 16;
const NO_SECRET_LOG_EVERY_MS = 60_000;

export interface HandlerDeps {
  providers: ProviderRegistry;
  secrets: {
    secretFor(p: WebhookProvider): Promise<Buffer | undefined>;
    describe(p: WebhookProvider): string;
  };
  refresher: { refresh(push: WebhookEvent & { type: "push" }): Promise<RefreshResult> };
  metrics: WebhookMetrics;
  logger: Logger;
  maxPayloadBytes: number;
  /** Accept deliveries of a provider that has no secret configured (Argo CD's behaviour). */
  allowUnsigned: boolean;
}

interface Reply {
  status: number;
  result: WebhookResult;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const reply = (
  status: number,
  result: WebhookResult,
  body: Record<string, unknown>,
  headers = {},
): Reply => ({
  status,
  result,
  body,
  headers,
});
const UNAUTHORIZED = reply(401, "bad_signature", { error: "unauthorized" });
const tooLarge = (max: number) =>
  reply(413, "too_large", { error: `payload larger than ${max} bytes` }, { Connection: "close" });

/** application/json or any +json type (GitHub's default form encoding is refused, as Argo CD does). */
function isJson(headers: IncomingHttpHeaders): boolean {
  const type = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** The body, or undefined once it grows past `max` (what was read so far is dropped). */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? undefined : Buffer.concat(chunks, size)));
    req.on("error", reject);
    req.on("close", () => reject(new Error("request closed before its end")));
  });
}

export class WebhookHandler {
  private inFlight = 0;
  private readonly noSecretLoggedAt = new Map<string, number>();

  constructor(private readonly deps: HandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seen = { provider: "unknown" };
    let answer: Reply;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      answer = reply(503, "busy", { error: "too many deliveries at once" }, { "Retry-After": "1" });
    } else {
      this.inFlight++;
      try {
        answer = await this.process(req, seen);
      } catch (error) {
        this.deps.logger.warn({ provider: seen.provider, err: (error as Error).message }, "webhook failed");
        answer = reply(500, "error", { error: "internal error" });
      } finally {
        this.inFlight--;
      }
    }
    if (res.destroyed) return;
    this.deps.metrics.request(seen.provider, answer.result);
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(text)),
      ...answer.headers,
    });
    res.end(text);
    // Past the cap nothing more is read: once the answer is out, the connection goes (rather than
    // Node's default of reading the rest of the body to discard it).
    if (answer.status === 413) res.on("finish", () => req.socket.destroy());
  }

  /** Everything the headers alone can refuse; else the provider that sent the delivery. */
  private fromHeaders(req: IncomingMessage): Reply | WebhookProvider {
    if ((req.url ?? "").split("?")[0] !== WEBHOOK_PATH)
      return reply(404, "not_found", { error: "not found" });
    if (req.method !== "POST")
      return reply(405, "not_found", { error: "only POST" }, { Allow: "POST", Connection: "close" });
    const provider = this.deps.providers.detect(req.headers);
    if (!provider)
      return reply(
        400,
        "unknown_provider",
        { error: "no known webhook event header" },
        { Connection: "close" },
      );
    return provider;
  }

  private async process(req: IncomingMessage, seen: { provider: string }): Promise<Reply> {
    const provider = this.fromHeaders(req);
    if ("status" in provider) return provider;
    seen.provider = provider.name;
    if (!isJson(req.headers))
      return reply(415, "unsupported_media_type", { error: "content type must be application/json" });
    const max = this.deps.maxPayloadBytes;
    if (Number(req.headers["content-length"] ?? 0) > max) return tooLarge(max);
    const secret = await this.secretOf(provider);
    if (secret !== undefined && "status" in secret) return secret;
    if (secret && !provider.signsBody && !provider.verify(req.headers, undefined, secret))
      return UNAUTHORIZED;
    const body = await readCapped(req, max);
    if (body === undefined) return tooLarge(max);
    if (secret && provider.signsBody && !provider.verify(req.headers, body, secret)) return UNAUTHORIZED;
    return this.dispatch(provider, req.headers, body);
  }

  /** The provider's secret; undefined only when unsigned deliveries are allowed; else a refusal. */
  private async secretOf(provider: WebhookProvider): Promise<Buffer | Reply | undefined> {
    let secret: Buffer | undefined;
    try {
      secret = await this.deps.secrets.secretFor(provider);
    } catch (error) {
      this.deps.logger.warn(
        { provider: provider.name, err: (error as Error).message },
        "webhook secret unreadable",
      );
      return reply(503, "error", { error: "webhook secret unreadable" });
    }
    if (secret || this.deps.allowUnsigned) return secret;
    const now = Date.now();
    if (now - (this.noSecretLoggedAt.get(provider.name) ?? 0) >= NO_SECRET_LOG_EVERY_MS) {
      this.noSecretLoggedAt.set(provider.name, now);
      this.deps.logger.warn(
        { provider: provider.name },
        `webhook refused: no secret configured (set ${this.deps.secrets.describe(provider)}, or --webhook-allow-unsigned)`,
      );
    }
    return reply(401, "no_secret", { error: "unauthorized" });
  }

  private async dispatch(
    provider: WebhookProvider,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<Reply> {
    let event: WebhookEvent;
    try {
      event = provider.parse(headers, JSON.parse(body.toString("utf8")));
    } catch (error) {
      if (error instanceof SyntaxError) return reply(400, "bad_payload", { error: "body is not JSON" });
      if (error instanceof PayloadError) return reply(400, "bad_payload", { error: error.message });
      throw error;
    }
    if (event.type === "ping") return reply(200, "ping", { message: "pong" });
    if (event.type === "ignored") return reply(200, "ignored", { ignored: event.event });
    const log = this.deps.logger;
    let outcome: RefreshResult;
    try {
      outcome = await this.deps.refresher.refresh(event);
    } catch (error) {
      log.warn(
        { provider: provider.name, err: (error as Error).message },
        "webhook could not list Applications",
      );
      return reply(503, "error", { error: "could not list Applications" });
    }
    this.deps.metrics.refreshed(provider.name, outcome.refreshed.length);
    const refs = event.refs.map((r) => `${r.kind}:${r.name}`);
    log.info(
      { provider: provider.name, refs, refreshed: outcome.refreshed, failed: outcome.failed },
      "webhook push",
    );
    if (outcome.failed.length > 0)
      return reply(500, "error", { refreshed: outcome.refreshed.length, failed: outcome.failed.length });
    return reply(200, outcome.refreshed.length > 0 ? "refreshed" : "no_match", {
      refreshed: outcome.refreshed.length,
    });
  }
}
