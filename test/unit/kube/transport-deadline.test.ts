// Every API request has a deadline: a server that accepts the connection and never answers — or
// sends its headers and then stalls the body — ends in a typed Timeout within the deadline, and
// the lease client passes its own shorter one. A real local HTTP server plays the hung API server.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../../src/kube/client.ts";
import { isTimeout, KubeError } from "../../../src/kube/errors.ts";
import { ConfigMaps } from "../../../src/kube/resources.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";

async function hungServer(t: import("node:test").TestContext, stallBody: boolean) {
  const open: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    open.push(res);
    if (stallBody) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"kind":');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

for (const stallBody of [false, true]) {
  test(`a ${stallBody ? "stalled body" : "request never answered"} ends in a Timeout at the deadline`, async (t) => {
    const kc = await hungServer(t, stallBody);
    const transport = new KubeTransport(kc, { userAgent: "test", requestTimeoutMs: 400 });
    t.after(() => transport.close());
    const client = new KubeClient(transport);
    const started = performance.now();
    const error = await client.get(ConfigMaps, { namespace: "ns", name: "x" }).catch((e: unknown) => e);
    const took = performance.now() - started;
    assert.ok(error instanceof KubeError && isTimeout(error), `a Timeout, got ${String(error)}`);
    assert.match(
      (error as Error).message,
      /get \/api\/v1\/namespaces\/ns\/configmaps\/x: no answer within 400ms/,
    );
    assert.ok(took >= 390 && took < 2000, `ended at the deadline, took ${Math.round(took)} ms`);
    // A request's own deadline wins (the lease renewal passes its renew deadline).
    const quick = performance.now();
    await client.get(ConfigMaps, { namespace: "ns", name: "x" }, { timeoutMs: 150 }).catch(() => undefined);
    assert.ok(performance.now() - quick < 390, "the per-request deadline applies");
  });
}
