// API discovery: which resource serves a group/version/kind, whether it is namespaced, and which
// verbs it allows. The Git core applies whatever kinds a repository holds, so it cannot use a
// fixed list; the kinds sluice owns keep their fixed entries in resources.ts.
//
// One group version is fetched at a time (GET /api/v1, /apis/<group>/<version>) and cached. A
// kind missing from the cache fetches its group version again, so a CRD created while sluice
// runs is found without a restart; a miss refetches at most once per `missRefreshMs`, so a
// manifest naming a kind that does not exist cannot turn every reconcile into a discovery call.
import { isNotFound, KubeError } from "./errors.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeTransport } from "./transport.ts";

export interface GroupVersionKind {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
}

export interface DiscoveredResource extends ResourceType {
  /** What the resource allows: get, list, watch, create, update, patch, delete, ... */
  verbs: string[];
}

/** The answer of GET /api/v1 or /apis/<group>/<version> (fields sluice reads). */
export interface ApiResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

export interface DiscoveryOptions {
  /** A kind missing from a cached group version refetches it at most this often (default 1 s). */
  missRefreshMs?: number;
  /** Milliseconds now (replaceable in unit tests). */
  now?: () => number;
}

interface CachedGroupVersion {
  kinds: Map<string, DiscoveredResource>;
  fetchedAt: number;
}

/** Splits an apiVersion ("apps/v1", "v1") into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const groupVersionOf = (gvk: { group: string; version: string }) =>
  gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;

/** The kinds of one discovery answer; subresources ("pods/status") are not kinds of their own. */
export function kindsOf(
  list: ApiResourceList,
  group: string,
  version: string,
): Map<string, DiscoveredResource> {
  const kinds = new Map<string, DiscoveredResource>();
  for (const r of list.resources ?? []) {
    if (r.name.includes("/")) continue;
    kinds.set(r.kind, {
      group,
      version,
      plural: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
    });
  }
  return kinds;
}

export class ApiDiscovery {
  private readonly cache = new Map<string, CachedGroupVersion>();
  private readonly inFlight = new Map<string, Promise<CachedGroupVersion>>();
  private readonly missRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly transport: KubeTransport,
    options: DiscoveryOptions = {},
  ) {
    this.missRefreshMs = options.missRefreshMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The resource serving `gvk`. Throws KubeError "UnknownKind" when the API server serves no such
   * kind (the CRD is not installed), naming it so a user knows what to install.
   */
  async resourceFor(gvk: GroupVersionKind): Promise<DiscoveredResource> {
    const key = groupVersionOf(gvk);
    let cached = this.cache.get(key);
    const stale = cached && this.now() - cached.fetchedAt >= this.missRefreshMs;
    if (!cached || (!cached.kinds.has(gvk.kind) && stale)) cached = await this.fetch(gvk.group, gvk.version);
    const found = cached.kinds.get(gvk.kind);
    if (found) return found;
    throw new KubeError(
      "UnknownKind",
      `the API server serves no kind ${gvk.kind} in ${key} (is its CustomResourceDefinition installed?)`,
      404,
    );
  }

  /** Forgets everything cached (e.g. after CRDs were removed). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Fetches one group version; concurrent callers share the request. */
  private fetch(group: string, version: string): Promise<CachedGroupVersion> {
    const key = groupVersionOf({ group, version });
    const running = this.inFlight.get(key);
    if (running) return running;
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const request = this.transport
      .request<ApiResourceList>({ verb: "get", path })
      .catch((error: unknown) => {
        // A group version the server does not serve: cached as empty, refetched on a later miss.
        if (isNotFound(error)) return {} as ApiResourceList;
        throw error;
      })
      .then((list) => {
        const entry = { kinds: kindsOf(list, group, version), fetchedAt: this.now() };
        this.cache.set(key, entry);
        return entry;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }
}
