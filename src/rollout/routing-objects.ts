// The objects traffic routers read, cached for the Rollout controller: Ingresses always (the kind
// every cluster serves), and the optional kinds (Gateway API routes, Istio VirtualServices and
// DestinationRules) through API discovery, watched only once a Rollout names one, so sluice runs
// on clusters without their CRDs. An event on any of them looks again at the Rollouts that name
// the object (or own it).
import type { Rollout } from "../api/rollout.ts";
import { keyOf } from "../controller/cache.ts";
import type { DynamicInformers } from "../controller/dynamic-informers.ts";
import type { Informer } from "../controller/informer.ts";
import type { Kernel } from "../controller/kernel.ts";
import { isUnknownKind } from "../kube/errors.ts";
import { Ingresses } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { routersFor } from "../trafficrouting/registry.ts";
import {
  OPTIONAL_KINDS,
  ROUTED_TYPES,
  type RoutedKind,
  type RoutingLookup,
  type RoutingProblem,
} from "../trafficrouting/router.ts";

export class RoutingObjects {
  private readonly ingresses: Informer<KubeObject>;
  private readonly dynamic: DynamicInformers;
  private readonly optional = new Map<RoutedKind, Informer<KubeObject>>();

  /** `changed(kind, object)` is told of every event on a routed object. */
  constructor(kernel: Kernel, changed: (kind: RoutedKind, object: KubeObject) => void) {
    this.ingresses = kernel.informer<KubeObject>({ type: Ingresses });
    this.ingresses.on((_event, object) => changed("Ingress", object));
    // Users' routes carry no sluice label: every object of the kind is cached (routes are few).
    this.dynamic = kernel.dynamicInformers("");
    this.dynamic.on((resource, _event, object) => changed(resource.kind as RoutedKind, object));
  }

  /** Lookups in the Rollout's namespace unless a reference names another. */
  lookupFor(namespace: string): RoutingLookup {
    return (kind, name, inNamespace) => {
      const key = `${inNamespace ?? namespace}/${name}`;
      return kind === "Ingress" ? this.ingresses.cache.get(key) : this.optional.get(kind)?.cache.get(key);
    };
  }

  /**
   * Starts watching the optional kinds the Rollout's routers read; a kind the API server does not
   * serve is a problem naming the field (its CRDs are not installed).
   */
  async watch(rollout: Rollout): Promise<RoutingProblem[]> {
    const { routers } = routersFor(rollout.spec?.strategy?.canary?.trafficRouting);
    const problems: RoutingProblem[] = [];
    for (const ref of routers.flatMap((router) => router.references(rollout))) {
      if (!OPTIONAL_KINDS.includes(ref.kind) || this.optional.has(ref.kind)) continue;
      const type = ROUTED_TYPES[ref.kind];
      try {
        this.optional.set(ref.kind, await this.dynamic.informerFor(type));
      } catch (error) {
        if (!isUnknownKind(error)) throw error;
        const served = `${type.group}/${type.version}`;
        problems.push({
          path: ref.field,
          message: `the API server does not serve ${ref.kind} (${served}); are its CRDs installed?`,
        });
      }
    }
    return problems;
  }
}

/** The informer index key of a routed object, as byRoutedObject (service-index.ts) lists them. */
export const routedKey = (kind: RoutedKind, object: KubeObject) => `${kind}/${keyOf(object)}`;
