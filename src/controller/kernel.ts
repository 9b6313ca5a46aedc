// The kernel one process runs: the informers and controllers that controller setups register,
// started together (informers synced first, then workers) and stopped together (workers drained
// first, then watches closed).
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { ApiDiscovery } from "../kube/discovery.ts";
import { DynamicClient } from "../kube/dynamic-client.ts";
import type { KubeObject } from "../kube/types.ts";
import { type EventCounter, EventRecorder } from "../telemetry/events.ts";
import type { SluiceMetrics } from "../telemetry/metrics.ts";
import { type Clock, systemClock } from "./clock.ts";
import { DynamicInformers } from "./dynamic-informers.ts";
import { Informer, type InformerOptions } from "./informer.ts";
import { Controller, type ControllerOptions } from "./runner.ts";
import { StatusWriter } from "./status.ts";

export interface KernelOptions {
  client: KubeClient;
  logger: Logger;
  metrics: SluiceMetrics;
  /** Watch only this namespace; all namespaces when undefined. */
  namespace: string | undefined;
  /** Identity of this replica, for Events. */
  identity: string;
  /** Reconcile workers per controller (--workers); controllers default to 4. */
  workers?: number;
  /** The time reconciles plan with (tests may move it); the system clock by default. */
  clock?: Clock;
  /**
   * --instance-id: this controller acts only on Rollouts, AnalysisRuns and Applications labelled
   * INSTANCE_ID_LABEL with it; without one, only on those without the label (as Argo Rollouts'
   * --instance-id), so several controllers can share a cluster.
   */
  instanceId?: string | undefined;
}

export const INSTANCE_ID_LABEL = "sluice.dev/controller-instance-id";

/** A controller setup registers its informers and controllers on the kernel. */
export type ControllerSetup = (kernel: Kernel) => void | Promise<void>;

export class Kernel {
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly controllers: Controller[] = [];
  private readonly dynamic: DynamicInformers[] = [];
  private readonly stopHooks: (() => unknown)[] = [];
  private discoveryClient: DynamicClient | undefined;
  private state: "new" | "starting" | "running" | "stopped" = "new";

  constructor(readonly options: KernelOptions) {}

  get client(): KubeClient {
    return this.options.client;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /** The API server's URL (e.g. so requests to it from templates can be refused). */
  get apiServer(): string {
    return this.options.client.transport.serverUrl;
  }

  get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  get namespace(): string | undefined {
    return this.options.namespace;
  }

  /** The label selector of the objects this controller owns (its --instance-id's, or unlabelled). */
  get instanceSelector(): string {
    const id = this.options.instanceId;
    return id ? `${INSTANCE_ID_LABEL}=${id}` : `!${INSTANCE_ID_LABEL}`;
  }

  informer<T extends KubeObject>(
    options: Omit<InformerOptions<T>, "client" | "logger" | "metrics">,
  ): Informer<T> {
    const informer = new Informer<T>({
      namespace: this.options.namespace,
      ...options,
      client: this.options.client,
      logger: this.options.logger.child({ component: "informer" }),
      metrics: this.options.metrics,
    });
    this.informers.push(informer as unknown as Informer<KubeObject>);
    return informer;
  }

  /** Any kind by apiVersion and kind, through API discovery (one cache per kernel). */
  get dynamicClient(): DynamicClient {
    this.discoveryClient ??= new DynamicClient(this.client, new ApiDiscovery(this.client.transport));
    return this.discoveryClient;
  }

  /**
   * Informers for kinds learnt at run time, filtered by `labelSelector`; stopped with the kernel.
   * They watch the kernel's namespace unless `options.namespace` names another one.
   */
  dynamicInformers(
    labelSelector: string,
    options: { keepManagedFields?: boolean; namespace?: string } = {},
  ): DynamicInformers {
    const informers = new DynamicInformers({
      client: this.client,
      discovery: this.dynamicClient.discovery,
      logger: this.logger.child({ component: "informer" }),
      metrics: this.options.metrics,
      labelSelector,
      namespace: this.options.namespace,
      ...options,
    });
    this.dynamic.push(informers);
    return informers;
  }

  controller(options: Omit<ControllerOptions, "logger" | "metrics">): Controller {
    const controller = new Controller({
      ...options,
      logger: this.options.logger,
      metrics: this.options.metrics,
    });
    this.controllers.push(controller);
    return controller;
  }

  statusWriter(fieldManager: string): StatusWriter {
    return new StatusWriter(this.options.client, fieldManager);
  }

  events(component: string, onRecord?: EventCounter): EventRecorder {
    const { client, logger, identity } = this.options;
    return new EventRecorder(client, component, logger, identity, onRecord);
  }

  notReadyReason(): string | undefined {
    if (this.state === "new" || this.state === "stopped") return `kernel ${this.state}`;
    const unsynced = this.informers.filter((i) => !i.hasSynced).map((i) => i.name);
    if (unsynced.length > 0) return `${unsynced.length} informer(s) not synced: ${unsynced.join(", ")}`;
    return this.state === "running" ? undefined : "kernel starting";
  }

  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "starting";
    await Promise.all(this.informers.map((i) => i.start()));
    if (this.state !== "starting") return;
    for (const controller of this.controllers) controller.run();
    this.state = "running";
    this.logger.info(
      { informers: this.informers.length, controllers: this.controllers.length },
      "kernel running",
    );
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    await Promise.all(this.dynamic.map((d) => d.abandonStarts()));
    await Promise.all(this.controllers.map((c) => c.shutdown()));
    await Promise.all([...this.informers, ...this.dynamic].map((i) => i.stop()));
    await Promise.allSettled(this.stopHooks.map((hook) => hook()));
  }

  /** Runs `hook` once the kernel has stopped (workers drained, watches closed): e.g. remove scratch files. */
  onStop(hook: () => unknown): void {
    this.stopHooks.push(hook);
  }
}
