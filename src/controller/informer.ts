// An informer: LIST then WATCH one resource type into an ObjectCache, telling handlers what
// changed. It never gives up: any watch error reconnects with jittered exponential backoff,
// 410 Gone (or a periodic relist) lists again and reports the differences, and a watchdog
// restarts a watch that has been silent for too long (client-node 1.x watches have no timeout).
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { isGone, isNotFound, KubeError } from "../kube/errors.ts";
import { type ResourceType, resourcePath } from "../kube/resources.ts";
import type { KubeObject, WatchEvent } from "../kube/types.ts";
import { jitteredBackoff } from "./backoff.ts";
import { type IndexFunc, keyOf, ObjectCache } from "./cache.ts";
import { sleep } from "./clock.ts";

export type InformerEvent = "add" | "update" | "delete" | "resync";
export type InformerHandler<T> = (event: InformerEvent, object: T, old?: T) => void;

export interface InformerMetrics {
  watchRestarted(resource: string, reason: string): void;
  cachedObjects(resource: string, count: number): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  type: ResourceType;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  indexers?: Record<string, IndexFunc<T>>;
  /** Re-deliver every cached object as "resync" this often (0: never). */
  resyncMs?: number;
  /** List again from scratch this often, even when the watch looks healthy (0: never). */
  relistMs?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. */
  watchdogMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Keep metadata.managedFields in the cache (dropped by default: it is most of an object's size). */
  keepManagedFields?: boolean;
  logger: Logger;
  metrics?: InformerMetrics;
}

export class Informer<T extends KubeObject> {
  readonly cache: ObjectCache<T>;
  private readonly handlers: InformerHandler<T>[] = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private readonly stopController = new AbortController();
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  readonly name: string;

  constructor(private readonly options: InformerOptions<T>) {
    this.cache = new ObjectCache(options.indexers ?? {});
    const ns = options.namespace ? `${options.namespace}/` : "";
    this.name = `${ns}${options.type.plural}${options.type.group ? `.${options.type.group}` : ""}`;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = this.loop();
      const resyncMs = this.options.resyncMs ?? 0;
      if (resyncMs > 0) {
        this.resyncTimer = setInterval(() => this.resync(), resyncMs);
        this.resyncTimer.unref();
      }
    }
    if (!this.synced) await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    await this.running;
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        // Stopped while the list was in flight: the abort has fired already, and a watch opened
        // now would never hear it (it would run until the server ends it, holding up stop()).
        if (signal.aborted) break;
        const reason = await this.watch();
        failures = 0;
        this.options.metrics?.watchRestarted(this.name, reason);
        this.log.debug({ resource: this.name, reason }, "watch ended; resuming");
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // Our resourceVersion is too old for the watch cache: list again (no backoff needed).
          this.resourceVersion = undefined;
          this.options.metrics?.watchRestarted(this.name, "gone");
          this.log.info({ resource: this.name }, "watch expired (410 Gone); relisting");
          continue;
        }
        failures++;
        await this.backOff(error, failures, signal);
      }
    }
  }

  /** After the `failures`-th failed list or watch in a row: counts it, says why, waits (jittered). */
  private async backOff(error: unknown, failures: number, signal: AbortSignal): Promise<void> {
    const delay = jitteredBackoff(
      failures,
      this.options.backoffInitialMs ?? 500,
      this.options.backoffMaxMs ?? 30_000,
    );
    this.options.metrics?.watchRestarted(this.name, "error");
    // A 404 on the list is almost always a kind the API server does not serve: say which
    // CRD is missing rather than leave the controller silently waiting for its cache.
    const missingKind = isNotFound(error) && this.options.type.group !== "";
    this.log.warn(
      {
        resource: this.name,
        err: (error as Error).message,
        retryInMs: delay,
        failures,
        ...(missingKind
          ? {
              hint: `is the CustomResourceDefinition ${this.options.type.plural}.${this.options.type.group} installed?`,
            }
          : {}),
      },
      "list/watch failed; retrying",
    );
    await sleep(delay, signal);
  }

  /** Lists everything and reconciles the cache with it, reporting adds, updates and deletes. */
  private async relist(): Promise<void> {
    const list = await this.options.client.list<T>(this.options.type, {
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
    });
    const seen = new Set<string>();
    for (const item of list.items) {
      const object = this.prepare(item);
      seen.add(keyOf(object));
      this.upsert(object);
    }
    for (const key of [...this.cache.keys()]) {
      if (!seen.has(key)) {
        const old = this.cache.remove(key);
        if (old) this.emit("delete", old);
      }
    }
    this.resourceVersion = list.metadata?.resourceVersion;
    this.options.metrics?.cachedObjects(this.name, this.cache.size);
    if (!this.synced) {
      this.synced = true;
      this.log.debug({ resource: this.name, objects: this.cache.size }, "informer synced");
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** One watch connection; resolves with why it ended, throws on errors. */
  private async watch(): Promise<string> {
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.stopController.signal.addEventListener("abort", onStop, { once: true });
    let endReason = "server closed the watch";
    const watchdogMs = this.options.watchdogMs ?? 180_000;
    let watchdog = setTimeout(silent, watchdogMs);
    function silent() {
      endReason = `watchdog: no event for ${watchdogMs}ms`;
      abort.abort();
    }
    const relistMs = this.options.relistMs ?? 0;
    const relistTimer =
      relistMs > 0
        ? setTimeout(() => {
            endReason = "periodic relist";
            this.resourceVersion = undefined;
            abort.abort();
          }, relistMs)
        : undefined;
    let failure: Error | undefined;
    try {
      await this.options.client.transport.stream(
        {
          path: resourcePath(this.options.type, this.options.namespace),
          query: {
            watch: true,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            // Like client-go: the server ends each watch after 5-10 minutes, spreading reconnects.
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
          },
        },
        (line) => {
          clearTimeout(watchdog);
          watchdog = setTimeout(silent, watchdogMs);
          if (failure) return;
          try {
            this.handleEvent(JSON.parse(line) as WatchEvent<T>);
          } catch (error) {
            failure = error as Error;
            abort.abort();
          }
        },
        abort.signal,
      );
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(watchdog);
      if (relistTimer) clearTimeout(relistTimer);
      this.stopController.signal.removeEventListener("abort", onStop);
    }
    if (failure) throw failure;
    return endReason;
  }

  private handleEvent(event: WatchEvent<T>): void {
    if (event.type === "ERROR") {
      const status = event.object as unknown as { code?: number; message?: string };
      if (status.code === 410) throw new KubeError("Gone", status.message ?? "resource version too old", 410);
      throw new KubeError(
        "ServerError",
        `watch error: ${status.message ?? JSON.stringify(status)}`,
        status.code,
      );
    }
    const rv = event.object.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const object = this.prepare(event.object);
    if (event.type === "DELETED") {
      const old = this.cache.remove(keyOf(object));
      this.emit("delete", old ?? object);
    } else {
      this.upsert(object);
    }
    if (rv) this.resourceVersion = rv;
    this.options.metrics?.cachedObjects(this.name, this.cache.size);
  }

  private upsert(object: T): void {
    const old = this.cache.get(keyOf(object));
    if (old && old.metadata?.resourceVersion === object.metadata?.resourceVersion) return;
    this.cache.upsert(object);
    this.emit(old ? "update" : "add", object, old);
  }

  private prepare(object: T): T {
    if (!this.options.keepManagedFields && object.metadata && "managedFields" in object.metadata) {
      delete (object.metadata as Record<string, unknown>).managedFields;
    }
    // A list's items carry no apiVersion or kind (the list does); watch events do. Cached objects
    // always say what they are, whichever way they arrived.
    if (!object.kind) {
      const { group, version, kind } = this.options.type;
      object.kind = kind;
      object.apiVersion = group ? `${group}/${version}` : version;
    }
    return object;
  }

  private resync(): void {
    if (!this.synced) return;
    for (const object of this.cache.values()) this.emit("resync", object);
  }

  private emit(event: InformerEvent, object: T, old?: T): void {
    for (const handler of this.handlers) {
      try {
        handler(event, object, old);
      } catch (error) {
        this.log.error({ resource: this.name, err: (error as Error).message }, "informer handler threw");
      }
    }
  }
}
