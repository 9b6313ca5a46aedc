// The webhook receiver's HTTP server, on its own address (DESIGN.md §8: not the metrics port, so
// it can be exposed to a Git host without exposing /metrics). Deadlines: headers and the whole
// request within 10 s (checked every second, not Node's default 30 s), idle keep-alive 5 s.
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { KubeClient } from "../../kube/client.ts";
import type { ListenAddress } from "../../telemetry/server.ts";
import { WebhookHandler } from "./handler.ts";
import { WebhookMetrics } from "./metrics.ts";
import type { ProviderRegistry } from "./provider.ts";
import { defaultProviders } from "./providers/index.ts";
import { Refresher } from "./refresh.ts";
import { WebhookSecrets } from "./secrets.ts";

export const WEBHOOK_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface WebhookServerOptions {
  address: ListenAddress;
  client: KubeClient;
  /** Where the Applications and the webhook Secrets are (the controller's namespace). */
  namespace: string;
  logger: Logger;
  registry: Registry;
  maxPayloadBytes?: number;
  allowUnsigned?: boolean;
  providers?: ProviderRegistry;
  requestTimeoutMs?: number;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<Server> {
  const logger = options.logger.child({ component: "webhook" });
  const handler = new WebhookHandler({
    providers: options.providers ?? defaultProviders(),
    secrets: new WebhookSecrets(options.client, options.namespace),
    refresher: new Refresher(options.client, options.namespace),
    metrics: new WebhookMetrics(options.registry),
    logger,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    allowUnsigned: options.allowUnsigned ?? false,
  });
  const timeoutMs = options.requestTimeoutMs ?? WEBHOOK_REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      connectionsCheckingInterval: 1000,
      keepAliveTimeout: 5000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      handler.handle(req, res).catch((error: Error) => {
        logger.warn({ err: error.message }, "webhook response failed");
        res.destroy();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.address.port, options.address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
