// Wires one sluice process: telemetry, the API transport (user agent, fence, request counter),
// the kernel with the given controller setups, and leader election around it.
import type { Server } from "node:http";
import type { Logger } from "pino";
import { type ControllerSetup, Kernel } from "./controller/kernel.ts";
import { LeaderElector } from "./controller/leader-election.ts";
import { startWebhookServer } from "./gitops/webhook/server.ts";
import { KubeClient } from "./kube/client.ts";
import { loadKubeConfig } from "./kube/config.ts";
import { KubeTransport } from "./kube/transport.ts";
import type { SluiceOptions } from "./options.ts";
import { createLogger, resolveLogFormat } from "./telemetry/logger.ts";
import { startMemoryTrim } from "./telemetry/memory-trim.ts";
import { SluiceMetrics } from "./telemetry/metrics.ts";
import { boundPort, parseListenAddress, startTelemetryServer } from "./telemetry/server.ts";
import { VERSION } from "./version.ts";

export interface RunningSluice {
  logger: Logger;
  metricsPort: number;
  /** The Git webhook receiver's port, when --webhook-addr is set. */
  webhookPort: number | undefined;
  kernel: Kernel;
  /** Resolves with the exit code: 0 after stop(), 1 when leadership was lost. */
  done: Promise<number>;
  stop(): Promise<void>;
}

/** The API transport (user agent, request counter, crash points for tests), client and kernel. */
async function wireKernel(
  options: SluiceOptions,
  setups: ControllerSetup[],
  logger: Logger,
  metrics: SluiceMetrics,
) {
  const kc = loadKubeConfig(options.kubeconfig);
  const crashAfter = Number(process.env.SLUICE_CRASH_AFTER_WRITE ?? "");
  const transport = new KubeTransport(kc, {
    userAgent: `sluice/${VERSION} (${options.identity})`,
    onResponse: (verb, code) => metrics.apiRequest(verb, code),
    requestTimeoutMs: options.requestTimeoutMs,
    ...(Number.isInteger(crashAfter) && crashAfter > 0 ? { crashAfterWrite: crashAfter } : {}),
  });
  const client = new KubeClient(transport);
  const kernel = new Kernel({
    client,
    logger,
    metrics,
    namespace: options.namespace,
    identity: options.identity,
    workers: options.workers,
    instanceId: options.instanceId,
  });
  for (const setup of setups) await setup(kernel);
  return { transport, client, kernel };
}

/** Every replica serves webhooks, leader or not: a push only sets the refresh annotation (DESIGN.md §8). */
function startWebhooks(options: SluiceOptions, client: KubeClient, logger: Logger, metrics: SluiceMetrics) {
  if (!options.webhookAddr) return Promise.resolve(undefined);
  return startWebhookServer({
    address: parseListenAddress(options.webhookAddr),
    client,
    namespace: options.applicationNamespace,
    logger,
    registry: metrics.registry,
    maxPayloadBytes: options.webhookMaxPayloadBytes,
    allowUnsigned: options.webhookAllowUnsigned,
  });
}

interface Election {
  options: SluiceOptions;
  client: KubeClient;
  transport: KubeTransport;
  kernel: Kernel;
  logger: Logger;
  metrics: SluiceMetrics;
  signal: AbortSignal;
  /** Leading: the kernel runs. Not leading any more: the process ends (shutdown(1)). */
  onLeading: () => void;
  shutdown: (code: number) => Promise<void>;
}

/** Runs for the Lease; the kernel starts on leading, and losing the lease ends the process. */
function startElection(e: Election): LeaderElector {
  const lease = e.options.leaderElectionId;
  const elector = new LeaderElector({
    client: e.client,
    namespace: e.options.leaderElectionNamespace,
    name: lease,
    identity: e.options.identity,
    leaseDurationMs: e.options.leaseDurationMs,
    renewDeadlineMs: e.options.renewDeadlineMs,
    retryPeriodMs: e.options.retryPeriodMs,
    logger: e.logger,
    onStartedLeading: () => {
      e.onLeading();
      e.metrics.leader.set({ lease }, 1);
      startKernel(e.kernel, e.logger, e.shutdown);
    },
    onStoppedLeading: () => {
      e.metrics.leader.set({ lease }, 0);
      // Exit and let the process be restarted: a clean start is simpler to trust than
      // un-winding every informer and controller in place (the fence already stopped writes).
      void e.shutdown(1);
    },
    onNewLeader: (identity) => e.logger.info({ leader: identity }, "leader observed"),
  });
  e.transport.setWriteFence(() => elector.writeWindow());
  void elector.run(e.signal);
  return elector;
}

/** Not awaited: /readyz reports the sync, and an informer that cannot sync must not hang start-up. */
function startKernel(kernel: Kernel, logger: Logger, shutdown: (code: number) => Promise<void>) {
  void kernel.start().catch((error: Error) => {
    logger.error({ err: error.message }, "kernel failed to start");
    void shutdown(1);
  });
}

export async function runSluice(
  options: SluiceOptions,
  setups: ControllerSetup[],
  logger: Logger = createLogger(options.logLevel, { format: resolveLogFormat(options.logFormat) }),
): Promise<RunningSluice> {
  const metrics = new SluiceMetrics(VERSION);
  const { transport, client, kernel } = await wireKernel(options, setups, logger, metrics);
  let elector: LeaderElector | undefined;
  let standingBy = options.leaderElect;
  const server: Server = await startTelemetryServer(parseListenAddress(options.metricsAddr), {
    registry: metrics.registry,
    // A standby replica is ready: it serves metrics and is ready to take over.
    notReadyReason: () => (standingBy ? undefined : kernel.notReadyReason()),
  });
  const metricsPort = boundPort(server);
  const webhookServer = await startWebhooks(options, client, logger, metrics);
  const webhookPort = webhookServer ? boundPort(webhookServer) : undefined;
  const stopMemoryTrim = startMemoryTrim({ logger, onTrim: (trim) => metrics.memoryTrimmed(trim) });

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const electionAbort = new AbortController();
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    electionAbort.abort();
    stopMemoryTrim();
    await kernel.stop();
    await elector?.release();
    transport.close();
    // Idle keep-alive connections (a scraper's) would hold close() open forever.
    await Promise.all([server, webhookServer].map((s) => (s ? closeServer(s) : undefined)));
    logger.info({ code }, "sluice stopped");
    resolveDone(code);
  };

  logger.info(
    {
      version: VERSION,
      identity: options.identity,
      namespace: options.namespace ?? "(all)",
      metricsPort,
      ...(webhookPort !== undefined ? { webhookPort } : {}),
    },
    "sluice starting",
  );
  if (options.leaderElect) {
    const onLeading = () => {
      standingBy = false;
    };
    const signal = electionAbort.signal;
    elector = startElection({
      options,
      client,
      transport,
      kernel,
      logger,
      metrics,
      signal,
      onLeading,
      shutdown,
    });
  } else startKernel(kernel, logger, shutdown);

  return { logger, metricsPort, webhookPort, kernel, done, stop: () => shutdown(0) };
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
