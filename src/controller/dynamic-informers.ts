// Informers for kinds learnt at run time (the kinds a Git repository holds), all filtered by one
// label selector so sluice caches only the objects it manages, never a whole cluster's worth of
// every kind. Informers start on first request, after the kernel is running too, and share one
// handler that is told which kind an event is about.
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import type { ApiDiscovery, DiscoveredResource, GroupVersionKind } from "../kube/discovery.ts";
import { KubeError } from "../kube/errors.ts";
import type { KubeObject } from "../kube/types.ts";
import { Informer, type InformerEvent, type InformerMetrics } from "./informer.ts";

export type DynamicHandler = (
  resource: DiscoveredResource,
  event: InformerEvent,
  object: KubeObject,
  old?: KubeObject,
) => void;

export interface DynamicInformersOptions {
  client: KubeClient;
  discovery: ApiDiscovery;
  logger: Logger;
  metrics?: InformerMetrics;
  /** Only objects with these labels are cached (e.g. "app.kubernetes.io/managed-by=sluice"). */
  labelSelector: string;
  /** Keep metadata.managedFields (who owns which field) in the cache. */
  keepManagedFields?: boolean;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string | undefined;
  /** An informer not synced by then is stopped and its request fails (default 30 s). */
  syncTimeoutMs?: number;
}

const keyOfResource = (r: { group: string; version: string; plural: string }) =>
  `${r.plural}.${r.version}.${r.group}`;

export class DynamicInformers {
  private readonly informers = new Map<string, Promise<Informer<KubeObject>>>();
  private readonly handlers: DynamicHandler[] = [];
  /** Started but not listed yet. */
  private readonly starting = new Set<Informer<KubeObject>>();
  private stopped = false;

  constructor(private readonly options: DynamicInformersOptions) {}

  on(handler: DynamicHandler): void {
    this.handlers.push(handler);
  }

  /**
   * The informer of a kind, started and synced. Throws KubeError "UnknownKind" for a kind the API
   * server does not serve, and a clear error for one that cannot be listed and watched.
   */
  async informerFor(gvk: GroupVersionKind): Promise<Informer<KubeObject>> {
    if (this.stopped) throw new Error("dynamic informers are stopped");
    const resource = await this.options.discovery.resourceFor(gvk);
    const key = keyOfResource(resource);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = this.start(resource);
      this.informers.set(key, informer);
      // A failed start is forgotten, so a later request tries again.
      informer.catch(() => this.informers.delete(key));
    }
    return informer;
  }

  /** Kinds with a running informer. */
  get kinds(): string[] {
    return [...this.informers.keys()];
  }

  /**
   * No new informers, and those still waiting for their first list give up (their callers get an
   * error): the kernel calls this first when it stops, so a reconcile waiting for a kind sluice
   * cannot list (RBAC) does not hold shutdown up to the sync timeout.
   */
  async abandonStarts(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.starting].map((informer) => informer.stop()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running = await Promise.allSettled(this.informers.values());
    await Promise.all(running.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
  }

  private async start(resource: DiscoveredResource): Promise<Informer<KubeObject>> {
    for (const verb of ["list", "watch"]) {
      if (!resource.verbs.includes(verb)) {
        throw new KubeError(
          "BadRequest",
          `${resource.kind} (${resource.plural}) cannot be watched: no ${verb}`,
        );
      }
    }
    const informer = new Informer<KubeObject>({
      client: this.options.client,
      type: resource,
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
      keepManagedFields: this.options.keepManagedFields ?? false,
      logger: this.options.logger,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
    });
    informer.on((event, object, old) => {
      for (const handler of this.handlers) handler(resource, event, object, old);
    });
    const timeoutMs = this.options.syncTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    this.starting.add(informer);
    const outcome = await Promise.race([informer.start(), timedOut]).finally(() => {
      clearTimeout(timer);
      this.starting.delete(informer);
    });
    if (this.stopped) {
      await informer.stop();
      throw new Error(`${resource.kind} (${resource.plural}): not listed before sluice stopped`);
    }
    if (outcome === "timeout") {
      // The informer retries for ever (its log says why: RBAC, a vanished CRD); a caller must not.
      await informer.stop();
      throw new KubeError(
        "Timeout",
        `${resource.kind} (${resource.plural}): not listed within ${timeoutMs}ms`,
      );
    }
    return informer;
  }
}
