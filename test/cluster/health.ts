// Polling helpers for the harness: wait until an HTTP(S) endpoint answers 200, failing fast when
// the process behind it has exited.

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ManagedProcess } from "./process.ts";

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Components serve self-signed certs on loopback; the harness does not verify those. */
  insecure?: boolean;
  /** Extra request headers (e.g. Authorization for a Prometheus with basic auth). */
  headers?: Record<string, string>;
}

export async function httpStatus(url: string, tls: TlsFiles = {}, timeoutMs = 2000): Promise<number> {
  const isHttps = url.startsWith("https:");
  return new Promise((resolve, reject) => {
    const options = isHttps
      ? {
          timeout: timeoutMs,
          headers: tls.headers ?? {},
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: !tls.insecure,
        }
      : { timeout: timeoutMs, headers: tls.headers ?? {} };
    const req = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on("error", reject);
    req.end();
  });
}

export async function waitForHealthy(
  what: ManagedProcess,
  url: string,
  tls: TlsFiles = {},
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (!what.running) throw new Error(`${what.name} did not become healthy: ${what.describeExit()}`);
    try {
      const status = await httpStatus(url, tls);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${what.name} not healthy at ${url} within ${timeoutMs}ms (last: ${last}); log tail:\n${what.logTail()}`,
  );
}
