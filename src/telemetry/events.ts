// Kubernetes Events about objects sluice manages. Writing one is a write like any other, so it
// passes the leader fence; failing to record one never fails a reconcile.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import { Events } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Reason } from "./reasons.ts";

export type EventType = "Normal" | "Warning";

export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly instance = "",
  ) {}

  async record(object: KubeObject, type: EventType, reason: Reason, message: string): Promise<void> {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace ?? "default";
    const now = new Date().toISOString();
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
    } catch (error) {
      this.logger.warn({ reason, err: (error as Error).message }, "could not record event");
    }
  }
}
