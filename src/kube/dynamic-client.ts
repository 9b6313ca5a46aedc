// Operations on objects of any kind, addressed by apiVersion and kind: discovery finds the
// resource (and whether it is namespaced), the typed client does the request. A kind that does
// not allow the verb is refused before any request, naming kind and verb.
import type { KubeClient, ListOptions } from "./client.ts";
import {
  type ApiDiscovery,
  type DiscoveredResource,
  type GroupVersionKind,
  parseApiVersion,
} from "./discovery.ts";
import { KubeError } from "./errors.ts";
import type { ObjectRef } from "./resources.ts";
import type { KubeList, KubeObject } from "./types.ts";

export class DynamicClient {
  constructor(
    readonly client: KubeClient,
    readonly discovery: ApiDiscovery,
  ) {}

  async get<T extends KubeObject>(gvk: GroupVersionKind, ref: ObjectRef): Promise<T> {
    return this.client.get<T>(await this.resource(gvk, "get"), ref);
  }

  async list<T extends KubeObject>(gvk: GroupVersionKind, options: ListOptions = {}): Promise<KubeList<T>> {
    return this.client.list<T>(await this.resource(gvk, "list"), options);
  }

  /** Server-side apply of a whole object (its apiVersion and kind say what it is). */
  async apply<T extends KubeObject>(
    object: T,
    fieldManager: string,
    options: { force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    return this.client.apply<T>(await this.resource(gvkOf(object), "patch"), object, fieldManager, options);
  }

  async delete(
    gvk: GroupVersionKind,
    ref: ObjectRef,
    options: { resourceVersion?: string; propagationPolicy?: "Background" | "Foreground" | "Orphan" } = {},
  ): Promise<void> {
    await this.client.delete(await this.resource(gvk, "delete"), ref, options);
  }

  private async resource(gvk: GroupVersionKind, verb: string): Promise<DiscoveredResource> {
    const resource = await this.discovery.resourceFor(gvk);
    if (!resource.verbs.includes(verb)) {
      throw new KubeError("BadRequest", `${gvk.kind} (${resource.plural}) does not allow ${verb}`, 405);
    }
    return resource;
  }
}

export function gvkOf(object: KubeObject): GroupVersionKind {
  if (!object.apiVersion || !object.kind) {
    throw new KubeError(
      "BadRequest",
      `object ${object.metadata?.name ?? "(unnamed)"} has no apiVersion or kind`,
      400,
    );
  }
  return { ...parseApiVersion(object.apiVersion), kind: object.kind };
}
