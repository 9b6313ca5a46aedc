// "No stable Service ever had zero ready endpoints", checked on every change: a watch on the
// namespace's EndpointSlices, kept for the whole run. When the watch breaks (the API server or etcd
// restarting) it lists again and resumes from the list; a change made and undone inside such a gap
// cannot be seen, so the gaps are recorded and reported with the result. Each watch asks the server
// to end it after WATCH_SECONDS, and the run ends with one more list: a watch that went quiet
// without breaking (a connection left half-open by a restart) hides at most that long, and a
// stretch of zero the watch saw start is confirmed or closed by what the cluster holds at the end.
import type { KubeClient } from "../../src/kube/client.ts";
import { type ResourceType, resourcePath } from "../../src/kube/resources.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/types.ts";

const EndpointSlices: ResourceType = {
  group: "discovery.k8s.io",
  version: "v1",
  plural: "endpointslices",
  kind: "EndpointSlice",
  namespaced: true,
};
const SERVICE_LABEL = "kubernetes.io/service-name";
const WATCH_SECONDS = 20;

interface EndpointSlice extends KubeObject {
  endpoints?: { conditions?: { ready?: boolean } }[];
}

/** One stretch of zero ready endpoints of a Service, from the change that showed it. */
export interface ZeroReady {
  service: string;
  atMs: number;
  /** Epoch ms of the change that ended it; undefined while it lasts. */
  untilMs: number | undefined;
  /** What showed it: a watch event, or the list after a broken watch. */
  seenBy: "event" | "relist";
  resourceVersion: string;
  /** What showed its end; "final" is the list after the run: it ended at some unseen moment. */
  endSeenBy?: "event" | "relist" | "final";
}

export class ReadyEndpointsWatch {
  readonly violations: ZeroReady[] = [];
  /** [broken, listed again] per break of the watch (epoch ms). */
  readonly gaps: [number, number][] = [];
  events = 0;
  /** Watches the server ended on time (WATCH_SECONDS), each followed by a list. */
  rewatches = 0;
  private readonly armed = new Set<string>();
  private readonly open = new Map<string, ZeroReady>();
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    /** The Services to hold to the invariant; each only once it first had a ready endpoint. */
    private readonly services: ReadonlySet<string>,
  ) {}

  /** Resolves once the first list is in, so nothing after this call goes unseen. */
  async start(): Promise<void> {
    const first = await this.relist("relist");
    this.loop = this.run(first);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    // Unanswered (the API server down at the end): the watch's view stands.
    await this.relist("final").catch(() => undefined);
  }

  /** Services that never had a ready endpoint (a watch that saw nothing proves nothing). */
  neverReady(): string[] {
    return [...this.services].filter((s) => !this.armed.has(s));
  }

  private async run(resourceVersion: string): Promise<void> {
    let from = resourceVersion;
    while (!this.stopping.signal.aborted) {
      const started = Date.now();
      const timedOut = await this.watch(from).catch(() => false);
      if (this.stopping.signal.aborted) return;
      const broken = Date.now();
      for (;;) {
        try {
          from = await this.relist("relist");
          break;
        } catch {
          if (this.stopping.signal.aborted) return;
          // Retry pace while the API server is down, not a stand-in for a condition.
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // A watch the server ended on time is no break; it is listed again all the same.
      if (timedOut && broken - started >= (WATCH_SECONDS - 1) * 1000) this.rewatches++;
      else this.gaps.push([broken, Date.now()]);
    }
  }

  private async relist(seenBy: "relist" | "final"): Promise<string> {
    const list = await this.client.list<EndpointSlice>(EndpointSlices, { namespace: this.namespace });
    this.slices.clear();
    for (const s of list.items) this.slices.set(s.metadata?.name ?? "", s);
    const resourceVersion = list.metadata?.resourceVersion ?? "";
    this.check(seenBy, resourceVersion);
    return resourceVersion;
  }

  /**
   * Follows the watch until it ends; an ERROR event (410 Gone: too old) ends it too, and so does
   * a deadline a little past the server's own, for a connection that went quiet. True when the
   * stream simply ended (the server's timeout).
   */
  private async watch(resourceVersion: string): Promise<boolean> {
    const ended = new AbortController();
    const stop = () => ended.abort();
    this.stopping.signal.addEventListener("abort", stop);
    const deadline = setTimeout(stop, (WATCH_SECONDS + 5) * 1000);
    const onLine = (line: string) => {
      const event = JSON.parse(line) as WatchEvent<EndpointSlice>;
      if (event.type === "ERROR") return ended.abort();
      if (event.type === "BOOKMARK") return;
      this.events++;
      const name = event.object.metadata?.name ?? "";
      if (event.type === "DELETED") this.slices.delete(name);
      else this.slices.set(name, event.object);
      this.check("event", event.object.metadata?.resourceVersion ?? "");
    };
    try {
      await this.client.transport.stream(
        {
          path: resourcePath(EndpointSlices, this.namespace),
          query: { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
        },
        onLine,
        ended.signal,
      );
      return !ended.signal.aborted;
    } finally {
      clearTimeout(deadline);
      this.stopping.signal.removeEventListener("abort", stop);
    }
  }

  private check(seenBy: ZeroReady["seenBy"] | "final", resourceVersion: string): void {
    const ready = new Map<string, number>();
    for (const slice of this.slices.values()) {
      const service = slice.metadata?.labels?.[SERVICE_LABEL];
      if (!service || !this.services.has(service)) continue;
      // A nil ready condition means ready (discovery.k8s.io/v1).
      const n = (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
      ready.set(service, (ready.get(service) ?? 0) + n);
    }
    for (const service of this.services) {
      const n = ready.get(service) ?? 0;
      const open = this.open.get(service);
      if (n > 0) {
        this.armed.add(service);
        if (open) {
          open.untilMs = Date.now();
          open.endSeenBy = seenBy;
        }
        this.open.delete(service);
      } else if (this.armed.has(service) && !open && seenBy !== "final") {
        const zero: ZeroReady = { service, atMs: Date.now(), untilMs: undefined, seenBy, resourceVersion };
        this.violations.push(zero);
        this.open.set(service, zero);
      }
    }
  }
}
