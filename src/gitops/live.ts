// The live copies of the objects Applications manage, from informers filtered by the tracking
// label (one per kind, started when an Application first holds that kind), so drift and health are
// read from memory and an edit or delete of a managed object wakes its Application within the
// watch's latency — no poll. An object the informers do not hold (not yet labelled: never applied,
// or created by someone else) is read once with a GET.
import type { Kernel } from "../controller/kernel.ts";
import { isNotFound } from "../kube/errors.ts";
import { objectKey, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { TRACKING_LABEL } from "./apply/placement.ts";

export type ObjectType = ResourceType;

export class ManagedObjects {
  private readonly informers;

  constructor(
    private readonly kernel: Kernel,
    /** Told the Application name an event about one of its objects names. */
    onChange: (applicationName: string) => void,
  ) {
    // Who owns which field decides what is drift and what a sync must not force back.
    this.informers = kernel.dynamicInformers(TRACKING_LABEL, { keepManagedFields: true });
    this.informers.on((_resource, _event, object, old) => {
      const names = new Set([
        object.metadata?.labels?.[TRACKING_LABEL],
        old?.metadata?.labels?.[TRACKING_LABEL],
      ]);
      for (const name of names) if (name) onChange(name);
    });
  }

  /** The live object, or undefined when it does not exist. */
  async liveOf(
    type: ObjectType,
    ref: { namespace?: string | undefined; name: string },
  ): Promise<KubeObject | undefined> {
    const cached = await this.fromInformer(type, ref);
    if (cached) return cached;
    return this.kernel.client.get(type, ref).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }

  private async fromInformer(type: ObjectType, ref: { namespace?: string | undefined; name: string }) {
    try {
      const informer = await this.informers.informerFor({
        group: type.group,
        version: type.version,
        kind: type.kind,
      });
      return informer.cache.get(objectKey(ref));
    } catch (error) {
      // A kind that cannot be watched (RBAC, no watch verb) is read by GET each look; the
      // informers' own log says why.
      this.kernel.logger.debug({ kind: type.kind, err: error }, "no informer for managed kind");
      return undefined;
    }
  }
}
