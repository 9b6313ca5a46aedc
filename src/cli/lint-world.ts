// The objects in one file as the world a Rollout's references are looked up in (DESIGN.md §8:
// lint checks references only against objects in the same file). `controllerWorld` is what the
// controller would see if the file were all the cluster held: what is not in it is not found.
import type { AnalysisTemplateSpec } from "../api/analysis.ts";
import type { Rollout } from "../api/rollout.ts";
import type { SpecWorld } from "../api/rollout-spec-problems.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ComposedTemplateSpec, TemplateRef } from "../rollout/template-lookup.ts";
import type { RoutedKind } from "../trafficrouting/router.ts";

export const SLUICE_API_VERSIONS = new Set(["sluice.dev/v1alpha1", "argoproj.io/v1alpha1"]);

export interface FileObject extends KubeObject {
  kind?: string;
  apiVersion?: string;
  spec?: Record<string, unknown>;
}

/** sluice's own kind (or the peer's apiVersion of it) with this name. */
export const isSluiceKind = (object: FileObject, kind: string) =>
  object.kind === kind && SLUICE_API_VERSIONS.has(object.apiVersion ?? "");

export class FileObjects {
  constructor(readonly objects: FileObject[]) {}

  /** The object of a kind and name; a namespace, when both sides give one, must agree. */
  find(kind: string, name: string, namespace?: string): FileObject | undefined {
    return this.objects.find(
      (o) =>
        o.kind === kind &&
        o.metadata?.name === name &&
        (namespace === undefined ||
          o.metadata?.namespace === undefined ||
          o.metadata.namespace === namespace),
    );
  }

  /** A Service's selector; undefined when the file has no such Service. */
  serviceSelector(name: string, namespace?: string): Record<string, string> | undefined {
    const service = this.find("Service", name, namespace);
    if (!service) return undefined;
    return ((service.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {}) as Record<
      string,
      string
    >;
  }

  routed(kind: RoutedKind, name: string, namespace?: string): KubeObject | undefined {
    return this.find(kind, name, namespace);
  }

  /** A referenced template's spec; undefined when the file has no such template. */
  template(ref: TemplateRef, namespace?: string): ComposedTemplateSpec | undefined {
    const kind = ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
    const found = this.objects.find(
      (o) =>
        isSluiceKind(o, kind) &&
        o.metadata?.name === ref.templateName &&
        (ref.clusterScope || namespace === undefined || (o.metadata?.namespace ?? namespace) === namespace),
    );
    return found ? ((found.spec ?? {}) as AnalysisTemplateSpec) : undefined;
  }

  /** The controller's world with this file as all the cluster holds: what is not here is not found. */
  controllerWorld(rollout: Rollout): SpecWorld {
    const namespace = rollout.metadata?.namespace;
    return {
      service: (name) => this.serviceSelector(name, namespace) ?? null,
      routing: (kind, name, inNamespace) => this.routed(kind, name, inNamespace ?? namespace),
      templates: async (ref) => this.template(ref, namespace),
    };
  }
}
