// Records every event of a watch (a collection path, e.g. one namespace's ReplicaSets), so a test
// can check the order in which things happened. Objects carry the API server's resourceVersion,
// which orders writes across kinds (one etcd revision counter).

import { KubeTransport } from "../../src/kube/transport.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { testKubeConfig } from "./kube.ts";

export interface Recorded<T extends KubeObject> {
  type: string;
  object: T;
  /** The object's resourceVersion as a number (etcd's revision at that write). */
  revision: number;
}

export function recordWatch<T extends KubeObject>(path: string, query: Record<string, string> = {}) {
  const transport = new KubeTransport(testKubeConfig(), { userAgent: "sluice-test-watch" });
  const events: Recorded<T>[] = [];
  const abort = new AbortController();
  const done = transport
    .stream(
      { path, query: { watch: true, allowWatchBookmarks: false, ...query } },
      (line) => {
        const event = JSON.parse(line) as { type: string; object: T };
        const revision = Number(event.object.metadata?.resourceVersion ?? 0);
        events.push({ type: event.type, object: event.object, revision });
      },
      abort.signal,
    )
    .catch(() => undefined);
  return {
    events,
    stop: async () => {
      abort.abort();
      await done;
      transport.close();
    },
  };
}
