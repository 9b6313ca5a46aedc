// Kubernetes Events about objects sluice manages. Writing one is a write like any other, so it
// passes the leader fence; failing to record one never fails a reconcile. Repeats are folded into
// the Event already written (count, lastTimestamp; see event-correlator.ts).
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { Events } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { EventCorrelator } from "./event-correlator.ts";
import type { Reason } from "./reasons.ts";

export type EventType = "Normal" | "Warning";
export type EventCounter = (object: KubeObject, type: EventType, reason: Reason) => void;

export class EventRecorder {
  private readonly correlator = new EventCorrelator();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly instance = "",
    /** Told of every Event asked for, repeats too: lets a controller count them (a metric) without the kernel knowing its kinds. */
    private readonly onRecord?: EventCounter,
  ) {}

  async record(object: KubeObject, type: EventType, reason: Reason, message: string): Promise<void> {
    this.onRecord?.(object, type, reason);
    const meta = object.metadata ?? {};
    const namespace = meta.namespace ?? "default";
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const key = EventCorrelator.key(meta.uid ?? `${namespace}/${meta.name}`, type, reason, message);
    const decision = this.correlator.decide(key, nowMs);
    if (decision.action === "patch") {
      const { seen } = decision;
      try {
        await this.client.mergePatch(
          Events,
          { namespace: seen.namespace, name: seen.name },
          { count: seen.count + 1, lastTimestamp: now },
          this.component,
        );
        this.correlator.remember(key, { ...seen, count: seen.count + 1, lastSeenMs: nowMs });
        return;
      } catch (error) {
        // Expired (Events live an hour) or deleted: write a new one below.
        this.correlator.forget(key);
        if (!isNotFound(error)) {
          this.logger.warn({ reason, err: (error as Error).message }, "could not update event");
          return;
        }
      }
    }
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { namespace, name: `${meta.name ?? "object"}.${randomBytes(8).toString("hex")}` },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      // The API server caps Event messages at 1 KiB.
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      source: { component: this.component, ...(this.instance ? { host: this.instance } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
    try {
      await this.client.create(Events, event, this.component);
      this.correlator.remember(key, {
        namespace,
        name: event.metadata.name,
        count: 1,
        firstTimestamp: now,
        lastSeenMs: nowMs,
      });
    } catch (error) {
      this.logger.warn({ reason, err: (error as Error).message }, "could not record event");
    }
  }
}
