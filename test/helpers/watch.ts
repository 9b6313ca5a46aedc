// Records every event of a watch from the moment it starts, so a test can assert on each change an
// object went through (not on samples) and wait, bounded, for the one it expects.
import type { TestContext } from "node:test";
import { type ResourceType, resourcePath } from "../../src/kube/resources.ts";
import { KubeTransport } from "../../src/kube/transport.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/types.ts";
import { testKubeConfig } from "./kube.ts";
import { pending, waitFor } from "./wait.ts";

export interface Recording<T extends KubeObject> {
  /** Every event so far, in the order the API server sent them (the first ones: what exists). */
  readonly events: readonly WatchEvent<T>[];
  /** When each event arrived (Date.now(), same index as `events`): for the record, not for claims. */
  readonly arrivals: readonly number[];
  /** Waits until `probe` finds something in the events (undefined: not yet). */
  until<R>(
    what: string,
    probe: (events: readonly WatchEvent<T>[]) => R | undefined,
    timeoutMs?: number,
  ): Promise<R>;
}

export function recordWatch<T extends KubeObject>(
  t: TestContext,
  type: ResourceType,
  options: { namespace: string; fieldSelector?: string; labelSelector?: string },
): Recording<T> {
  const transport = new KubeTransport(testKubeConfig(), { userAgent: "sluice-test-watch" });
  const events: WatchEvent<T>[] = [];
  const arrivals: number[] = [];
  const abort = new AbortController();
  let broken: string | undefined;
  const onLine = (line: string) => {
    try {
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === "ERROR") broken ??= `watch error: ${JSON.stringify(event.object)}`;
      else {
        events.push(event);
        arrivals.push(Date.now());
      }
    } catch (error) {
      broken ??= `unreadable watch event: ${(error as Error).message}`;
    }
  };
  const query = { watch: true, fieldSelector: options.fieldSelector, labelSelector: options.labelSelector };
  const done = transport
    .stream({ path: resourcePath(type, options.namespace), query }, onLine, abort.signal)
    .then(
      () => {
        if (!abort.signal.aborted) broken ??= "the API server ended the watch";
      },
      (error: Error) => {
        broken ??= error.message;
      },
    );
  t.after(async () => {
    abort.abort();
    await done;
    transport.close();
  });
  return {
    events,
    arrivals,
    until: (what, probe, timeoutMs = 30_000) =>
      waitFor(
        what,
        () => {
          // A broken watch may have missed events: nothing it recorded can be trusted to be all.
          if (broken) throw new Error(`${type.plural} watch broke: ${broken}`);
          const found = probe(events);
          return found === undefined ? pending(`${events.length} events`) : found;
        },
        { timeoutMs, intervalMs: 50 },
      ),
  };
}

/**
 * Events of several watches as one sequence, in resourceVersion order. resourceVersions are
 * opaque to clients in general; in this harness they are the revisions of its one etcd, one
 * sequence across all objects, so the order is the order the changes were made in.
 */
export function inVersionOrder<T extends KubeObject>(
  ...streams: (readonly WatchEvent<T>[])[]
): WatchEvent<T>[] {
  const version = (e: WatchEvent<T>) => BigInt(e.object.metadata?.resourceVersion ?? "0");
  return streams.flat().sort((a, b) => {
    const d = version(a) - version(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}
