// The live copies of the objects Applications manage, from informers filtered by the tracking
// label (one per kind, started when an Application first holds that kind), so drift and health are
// read from memory and an edit or delete of a managed object wakes its Application within the
// watch's latency — no poll. An object the informers do not hold (not yet labelled: never applied,
// or created by someone else) is read once with a GET.
//
// With destination namespaces given (--destination-namespaces), each of them gets its own
// informers: a namespaced install grants the Git side Roles in those namespaces only, and a
// cluster-wide list would be refused. Cluster-scoped kinds (Namespaces, CRDs) are then read by GET
// at each look, so a namespaced install needs no cluster-wide list or watch.
import type { DynamicInformers } from "../controller/dynamic-informers.ts";
import type { Kernel } from "../controller/kernel.ts";
import { isNotFound } from "../kube/errors.ts";
import { objectKey, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { TRACKING_LABEL } from "./apply/placement.ts";

export type ObjectType = ResourceType;

type Ref = { namespace?: string | undefined; name: string };

export class ManagedObjects {
  /** One set for every namespace the kernel watches, or one per destination namespace. */
  private readonly everywhere: DynamicInformers | undefined;
  private readonly byNamespace = new Map<string, DynamicInformers>();

  constructor(
    private readonly kernel: Kernel,
    /** Told the Application name an event about one of its objects names. */
    onChange: (applicationName: string) => void,
    destinationNamespaces?: readonly string[],
  ) {
    // Who owns which field decides what is drift and what a sync must not force back.
    const start = (namespace?: string) => {
      const informers = kernel.dynamicInformers(TRACKING_LABEL, {
        keepManagedFields: true,
        ...(namespace ? { namespace } : {}),
      });
      informers.on((_resource, _event, object, old) => {
        const names = new Set([
          object.metadata?.labels?.[TRACKING_LABEL],
          old?.metadata?.labels?.[TRACKING_LABEL],
        ]);
        for (const name of names) if (name) onChange(name);
      });
      return informers;
    };
    if (destinationNamespaces === undefined) this.everywhere = start();
    else for (const namespace of destinationNamespaces) this.byNamespace.set(namespace, start(namespace));
  }

  /** The live object, or undefined when it does not exist. */
  async liveOf(type: ObjectType, ref: Ref): Promise<KubeObject | undefined> {
    const cached = await this.fromInformer(type, ref);
    if (cached) return cached;
    return this.kernel.client.get(type, ref).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }

  private informersOf(type: ObjectType, ref: Ref): DynamicInformers | undefined {
    if (this.everywhere) return this.everywhere;
    return type.namespaced && ref.namespace ? this.byNamespace.get(ref.namespace) : undefined;
  }

  private async fromInformer(type: ObjectType, ref: Ref) {
    const informers = this.informersOf(type, ref);
    if (!informers) return undefined;
    try {
      const informer = await informers.informerFor({
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
