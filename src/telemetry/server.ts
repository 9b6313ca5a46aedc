// The small HTTP server every replica runs: /metrics (Prometheus), /healthz (the process and its
// event loop are alive; never depends on the API server), /readyz (caches synced, or standing by).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthSources {
  registry: Registry;
  /** Undefined when ready, else why not. */
  notReadyReason: () => string | undefined;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(value: string): ListenAddress {
  const match = /^(.*):(\d+)$/.exec(value);
  if (!match?.[2])
    throw new Error(`listen address "${value}" is not host:port (e.g. :8080 or 127.0.0.1:8080)`);
  return { host: match[1] || "0.0.0.0", port: Number(match[2]) };
}

export async function startTelemetryServer(address: ListenAddress, sources: HealthSources): Promise<Server> {
  const server = createServer((req, res) => respond(req, res, sources));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, resolve);
  });
  return server;
}

/** GET or HEAD of /metrics, /healthz (also /livez) or /readyz; anything else is 405 or 404. */
async function respond(req: IncomingMessage, res: ServerResponse, sources: HealthSources): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405).end();
    return;
  }
  switch ((req.url ?? "/").split("?")[0]) {
    case "/metrics":
      await serveMetrics(res, sources.registry);
      return;
    case "/healthz":
    case "/livez":
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    case "/readyz": {
      const reason = sources.notReadyReason();
      res.writeHead(reason ? 503 : 200, { "Content-Type": "text/plain" }).end(reason ?? "ok");
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

async function serveMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  try {
    const body = await registry.metrics();
    res.writeHead(200, { "Content-Type": registry.contentType }).end(body);
  } catch (error) {
    res.writeHead(500).end((error as Error).message);
  }
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
