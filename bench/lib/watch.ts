// Lists then watches a namespace's objects for a bench's own timings, listing again whenever the
// server ends a watch, until aborted.
import type { KubeClient } from "../../src/kube/client.ts";
import { type ResourceType, resourcePath } from "../../src/kube/resources.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/types.ts";

export type Seen<T> = (object: T, modified: boolean) => void;

export async function watchObjects<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string,
  see: Seen<T>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const list = await client.list<T>(type, { namespace });
      for (const object of list.items) see(object, false);
      const query = { watch: 1, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true };
      await client.transport.stream(
        { path: resourcePath(type, namespace), query },
        (line) => {
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === "ADDED" || event.type === "MODIFIED")
            see(event.object, event.type === "MODIFIED");
        },
        signal,
      );
    } catch (error) {
      if (!signal.aborted) console.error(`watch ${type.plural}: ${(error as Error).message}; listing again`);
    }
  }
}
