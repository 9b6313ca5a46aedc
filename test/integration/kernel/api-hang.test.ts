// An API server that stops answering mid-request (a TCP proxy in front of it freezes all traffic,
// connections kept open): the leader behind it gives up at its renew deadline and exits — no
// worker or renewal hangs past its deadline — the other replica takes over and carries on, and
// once the proxy answers again a replica behind it joins and everything converges.
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ManagedProcess } from "../../cluster/process.ts";
import { toyCrd } from "../../fixtures/toy-controllers.ts";
import { ENV, requireEnv } from "../../helpers/env.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";
import { TcpProxy } from "../../helpers/tcp-proxy.ts";
import { startToyReplica, toyWorld } from "../../helpers/toy-replicas.ts";

const LEASE = { duration: 3000, renewDeadline: 2000, retry: 500 };
const REQUEST_TIMEOUT = 2000;

/** The test cluster's kubeconfig with its server sent through the proxy. */
async function proxiedKubeconfig(dir: string, proxy: TcpProxy): Promise<string> {
  const original = await readFile(requireEnv(ENV.kubeconfig), "utf8");
  const path = join(dir, "kubeconfig-proxied");
  await writeFile(path, original.replace(/(server:\s*https?:\/\/127\.0\.0\.1:)\d+/, `$1${proxy.port}`));
  return path;
}

test("a hung API connection: the leader steps down and exits within its deadlines, the other takes over, all converges", async (t) => {
  await ensureCrd(toyCrd);
  const namespace = await useNamespace(t, "api-hang");
  const logDir = await mkdtemp(join(tmpdir(), "sluice-api-hang-"));
  t.diagnostic(`replica logs: ${logDir}`);
  const server = new URL(testKubeConfig().getCurrentCluster()?.server ?? "");
  const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port) });
  const replicas: ManagedProcess[] = [];
  t.after(async () => {
    proxy.thaw();
    for (const r of replicas) await r.stop(2000);
    await proxy.stop();
  });
  const proxied = await proxiedKubeconfig(logDir, proxy);
  const { holder, create, setInput, waitHolder, waitConverged, running } = toyWorld(namespace);
  const startReplica = (identity: string, kubeconfig: string) =>
    startToyReplica({
      identity,
      kubeconfig,
      namespace,
      logDir,
      lease: LEASE,
      extraArgs: [`--request-timeout=${REQUEST_TIMEOUT}ms`],
    });

  for (const name of ["t1", "t2"]) await create(name, "a");
  const a = await startReplica("toy-a", proxied);
  replicas.push(a);
  await waitHolder("toy-a");
  const b = await startReplica("toy-b", requireEnv(ENV.kubeconfig));
  replicas.push(b);
  await running(b);
  for (const name of ["t1", "t2"]) await waitConverged(name, "a");

  // The API server stops answering the leader, mid-whatever it was doing.
  const frozenAt = Date.now();
  proxy.freeze();
  await setInput("t1", "during");
  // Renewals time out at the renew deadline; the leader then stops leading and exits, which
  // waits for its workers: none may hang past the request deadline.
  const exitBound = LEASE.retry + LEASE.renewDeadline + REQUEST_TIMEOUT + 3000;
  const exit = await Promise.race([
    a.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), exitBound + 10_000)),
  ]);
  const exitMs = Date.now() - frozenAt;
  t.diagnostic(`leader behind the frozen proxy exited after ${exitMs}ms (code ${exit?.code})`);
  assert.equal(exit?.code, 1, "the cut-off leader exits with 1");
  assert.ok(exitMs <= exitBound, `exited after ${exitMs}ms (bound ${exitBound}ms)`);
  await waitHolder("toy-b", LEASE.duration + 2 * LEASE.retry + 5000 + 10_000);
  await waitConverged("t1", "during");

  // The proxy answers again: a replica behind it joins as standby and all keeps converging.
  proxy.thaw();
  const a2 = await startReplica("toy-a2", proxied);
  replicas.push(a2);
  await running(a2);
  await setInput("t2", "after");
  await waitConverged("t2", "after");
  assert.equal(await holder(), "toy-b");
});
