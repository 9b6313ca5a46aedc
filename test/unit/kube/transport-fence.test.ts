// The leader-election write fence when a write is slow: the fence is checked when a write is
// dispatched, and a write the API server has not answered by the time the fence closes is
// abandoned — its connection destroyed, the caller told Fenced — so it cannot land after another
// replica took the lease; a renewal meanwhile moves the deadline. A write answered in time is
// untouched; reads are never fenced. A real
// local HTTP server plays the API server, answering after a set delay.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../../src/kube/client.ts";
import { isFenced } from "../../../src/kube/errors.ts";
import { ConfigMaps } from "../../../src/kube/resources.ts";
import { type FenceState, KubeTransport } from "../../../src/kube/transport.ts";
import { pending, waitFor } from "../../helpers/wait.ts";

/** A server answering every request after `delayMs`; records whether each was answered or cut off. */
async function slowServer(t: TestContext, delayMs: number) {
  const requests: { method: string; outcome: "pending" | "answered" | "cut off" }[] = [];
  const server = createServer((req, res) => {
    const seen = { method: req.method ?? "", outcome: "pending" as "pending" | "answered" | "cut off" };
    requests.push(seen);
    const timer = setTimeout(() => {
      seen.outcome = "answered";
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x" } }));
    }, delayMs);
    res.on("close", () => {
      if (seen.outcome === "pending") seen.outcome = "cut off";
      clearTimeout(timer);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const kc = new KubeConfig();
  const port = (server.address() as AddressInfo).port;
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const transport = new KubeTransport(kc, { userAgent: "test", requestTimeoutMs: 10_000 });
  t.after(() => transport.close());
  return { client: new KubeClient(transport), transport, requests };
}

const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "ns" } };

test("a write unanswered when the fence closes is abandoned and fails Fenced", async (t) => {
  const { client, transport, requests } = await slowServer(t, 2_000);
  const closesAt = performance.now() + 300;
  transport.setWriteFence(
    (): FenceState =>
      performance.now() < closesAt ? { openMs: closesAt - performance.now() } : { refused: "lease lost" },
  );
  const started = performance.now();
  const error = await client.create(ConfigMaps, configMap, "test").catch((e: unknown) => e);
  const took = performance.now() - started;
  assert.ok(isFenced(error), `Fenced, got ${String(error)}`);
  assert.match(
    (error as Error).message,
    /create .* abandoned: the write fence closed before the API server answered/,
  );
  assert.ok(took >= 290 && took < 1_500, `abandoned when the fence closed, after ${Math.round(took)} ms`);
  await waitFor("the server to see the write cut off", () =>
    requests[0]?.outcome === "cut off" ? true : pending(requests[0]?.outcome ?? "no request"),
  );
  // Once closed, a write is refused before it is sent; a read still goes.
  await assert.rejects(client.create(ConfigMaps, configMap, "test"), /refused: lease lost/);
  assert.equal(requests.length, 1, "the refused write never reached the server");
});

test("a write outlives the fence's first deadline when the lease is renewed meanwhile", async (t) => {
  const { client, transport, requests } = await slowServer(t, 600);
  // Open for 300 ms; renewed at 200 ms for another second.
  let closesAt = performance.now() + 300;
  const renewal = setTimeout(() => {
    closesAt = performance.now() + 1_000;
  }, 200);
  t.after(() => clearTimeout(renewal));
  transport.setWriteFence(
    (): FenceState =>
      performance.now() < closesAt ? { openMs: closesAt - performance.now() } : { refused: "lease lost" },
  );
  const created = await client.create(ConfigMaps, configMap, "test");
  assert.equal(created.metadata?.name, "x");
  assert.deepEqual(
    requests.map((r) => r.outcome),
    ["answered"],
  );
});

test("a write answered before the fence closes succeeds, and reads are never fenced", async (t) => {
  const { client, transport, requests } = await slowServer(t, 50);
  transport.setWriteFence(() => ({ openMs: 1_000 }));
  const created = await client.create(ConfigMaps, configMap, "test");
  assert.equal(created.metadata?.name, "x");
  transport.setWriteFence(() => ({ refused: "not the leader" }));
  const read = await client.get(ConfigMaps, { namespace: "ns", name: "x" });
  assert.equal(read.metadata?.name, "x");
  assert.deepEqual(
    requests.map((r) => [r.method, r.outcome]),
    [
      ["POST", "answered"],
      ["GET", "answered"],
    ],
  );
});
