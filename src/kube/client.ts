// Typed operations on any resource type, over the transport. Writes name a field manager
// (DESIGN.md §8); status writes are merge patches of changed fields that carry the
// resourceVersion they were computed from, so a concurrent change gives a 409 instead of a lost update.

import { type ObjectRef, Pods, type ResourceType, resourcePath } from "./resources.ts";
import type { KubeTransport } from "./transport.ts";
import type { KubeList, KubeObject } from "./types.ts";

const MERGE_PATCH = "application/merge-patch+json";
const APPLY_PATCH = "application/apply-patch+yaml";

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; pages are followed until the list is complete. */
  limit?: number;
}

export class KubeClient {
  constructor(readonly transport: KubeTransport) {}

  get<T extends KubeObject>(
    type: ResourceType,
    ref: ObjectRef,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    return this.transport.request<T>({
      verb: "get",
      path: resourcePath(type, ref.namespace, ref.name),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** Lists every page; the returned resourceVersion is the one to start a watch from. */
  async list<T extends KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page: KubeList<T> = await this.transport.request<KubeList<T>>({
        verb: "list",
        path: resourcePath(type, options.namespace),
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit ?? 500,
          continue: continueToken,
        },
      });
      items.push(...page.items);
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion;
    } while (continueToken);
    return { metadata: resourceVersion ? { resourceVersion } : {}, items };
  }

  create<T extends KubeObject>(
    type: ResourceType,
    object: T,
    fieldManager: string,
    options: { bypassFence?: boolean } = {},
  ): Promise<T> {
    return this.transport.request<T>({
      verb: "create",
      path: resourcePath(type, object.metadata?.namespace),
      query: { fieldManager },
      body: object,
      ...(options.bypassFence ? { bypassFence: true } : {}),
    });
  }

  /** PUT of the whole object; the object's resourceVersion makes it conditional. */
  update<T extends KubeObject>(
    type: ResourceType,
    object: T,
    fieldManager: string,
    options: { bypassFence?: boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new Error(`update of a ${type.kind} without metadata.name`);
    return this.transport.request<T>({
      verb: "update",
      path: resourcePath(type, object.metadata?.namespace, name),
      query: { fieldManager },
      body: object,
      ...(options.bypassFence ? { bypassFence: true } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** Server-side apply: `object` holds exactly the fields this manager owns. */
  apply<T extends KubeObject>(
    type: ResourceType,
    object: T,
    fieldManager: string,
    options: { force?: boolean; dryRun?: boolean; fieldValidation?: "Ignore" | "Warn" | "Strict" } = {},
  ): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new Error(`apply of a ${type.kind} without metadata.name`);
    return this.transport.request<T>({
      verb: "patch",
      path: resourcePath(type, object.metadata?.namespace, name),
      query: {
        fieldManager,
        force: options.force ?? false,
        dryRun: options.dryRun ? "All" : undefined,
        fieldValidation: options.fieldValidation,
      },
      body: object,
      contentType: APPLY_PATCH,
    });
  }

  /**
   * RFC 6902 JSON patch: its `test` operations make it conditional on values (the API server
   * answers 422 when one fails, and nothing is changed).
   */
  jsonPatch<T extends KubeObject>(
    type: ResourceType,
    ref: ObjectRef,
    operations: { op: "test" | "remove" | "add" | "replace"; path: string; value?: unknown }[],
    fieldManager: string,
  ): Promise<T> {
    return this.transport.request<T>({
      verb: "patch",
      path: resourcePath(type, ref.namespace, ref.name),
      query: { fieldManager },
      body: operations,
      contentType: "application/json-patch+json",
    });
  }

  /**
   * JSON merge patch of the object or of a subresource (e.g. "status"). With `resourceVersion`
   * the API server rejects the patch with 409 when the object changed since it was read.
   */
  mergePatch<T extends KubeObject>(
    type: ResourceType,
    ref: ObjectRef,
    patch: Record<string, unknown>,
    fieldManager: string,
    options: { resourceVersion?: string | undefined; subresource?: string; bypassFence?: boolean } = {},
  ): Promise<T> {
    const body = options.resourceVersion
      ? {
          ...patch,
          metadata: { ...(patch.metadata as object | undefined), resourceVersion: options.resourceVersion },
        }
      : patch;
    return this.transport.request<T>({
      verb: "patch",
      path: resourcePath(type, ref.namespace, ref.name, options.subresource),
      query: { fieldManager },
      body,
      contentType: MERGE_PATCH,
      ...(options.bypassFence ? { bypassFence: true } : {}),
    });
  }

  /** Evicts a pod through the eviction API, so PodDisruptionBudgets are honoured (429 when one forbids it). */
  async evict(namespace: string, name: string): Promise<void> {
    await this.transport.request({
      verb: "create",
      path: `${resourcePath(Pods, namespace, name)}/eviction`,
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
    });
  }

  async delete(
    type: ResourceType,
    ref: ObjectRef,
    options: { resourceVersion?: string; propagationPolicy?: "Background" | "Foreground" | "Orphan" } = {},
  ): Promise<void> {
    const body = {
      ...(options.resourceVersion ? { preconditions: { resourceVersion: options.resourceVersion } } : {}),
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    };
    await this.transport.request({
      verb: "delete",
      path: resourcePath(type, ref.namespace, ref.name),
      body: Object.keys(body).length > 0 ? body : undefined,
    });
  }
}
