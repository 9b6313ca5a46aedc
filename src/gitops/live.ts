// The live copies of the objects Applications manage, from informers filtered by the tracking
// label (one per kind, started when an Application first holds that kind), so drift and health are
// read from memory and an edit or delete of a managed object wakes its Application within the
// watch's latency — no poll. An object the informers do not hold (not yet labelled: never applied,
// or created by someone else) is read once with a GET.
//
// With destination namespaces given (--destination-namespaces, or the one --namespace watches),
// each of them gets its own informers: a namespaced install grants the Git side Roles in those
// namespaces only, and a cluster-wide list would be refused. Cluster-scoped kinds (Namespaces,
// CRDs) are then watched only where RBAC lets sluice list and watch them cluster-wide (asked once
// per kind with a SelfSubjectAccessReview), and otherwise read by GET at each look — an informer
// that cannot list would keep each look waiting for its sync timeout.
import type { DynamicInformers } from "../controller/dynamic-informers.ts";
import type { Kernel } from "../controller/kernel.ts";
import { isNotFound } from "../kube/errors.ts";
import { objectKey, type ResourceType, SelfSubjectAccessReviews } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { TRACKING_LABEL } from "./apply/placement.ts";
import { GITOPS_FIELD_MANAGER } from "./apply/sync.ts";

export type ObjectType = ResourceType;

type Ref = { namespace?: string | undefined; name: string };

export class ManagedObjects {
  /** One set for every namespace the kernel watches, or one per destination namespace. */
  private readonly everywhere: DynamicInformers | undefined;
  private readonly byNamespace = new Map<string, DynamicInformers>();
  /** With destination namespaces: cluster-scoped kinds, and whether each may be watched. */
  private readonly clusterScoped: DynamicInformers | undefined;
  private readonly watchable = new Map<string, Promise<boolean>>();

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
    else {
      for (const namespace of destinationNamespaces) this.byNamespace.set(namespace, start(namespace));
      this.clusterScoped = start();
    }
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

  private async informersOf(type: ObjectType, ref: Ref): Promise<DynamicInformers | undefined> {
    if (this.everywhere) return this.everywhere;
    if (type.namespaced) return ref.namespace ? this.byNamespace.get(ref.namespace) : undefined;
    return (await this.mayWatch(type)) ? this.clusterScoped : undefined;
  }

  /** Whether RBAC lets sluice list and watch a cluster-scoped kind (asked once per kind). */
  private mayWatch(type: ObjectType): Promise<boolean> {
    const key = `${type.plural}.${type.group}`;
    let allowed = this.watchable.get(key);
    if (!allowed) {
      allowed = Promise.all(["list", "watch"].map((verb) => this.allowed(type, verb))).then((a) =>
        a.every(Boolean),
      );
      this.watchable.set(key, allowed);
    }
    return allowed;
  }

  private async allowed(type: ObjectType, verb: string): Promise<boolean> {
    const review = {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { group: type.group, resource: type.plural, verb } },
    };
    try {
      // Asks, writes nothing: not fenced by the lease.
      const answer = await this.kernel.client.create<KubeObject & { status?: { allowed?: boolean } }>(
        SelfSubjectAccessReviews,
        review,
        GITOPS_FIELD_MANAGER,
        { bypassFence: true },
      );
      return answer.status?.allowed === true;
    } catch (error) {
      this.kernel.logger.debug({ kind: type.kind, verb, err: error }, "access review failed");
      return false;
    }
  }

  private async fromInformer(type: ObjectType, ref: Ref) {
    const informers = await this.informersOf(type, ref);
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
