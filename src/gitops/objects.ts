// An Application's objects as one look sees them: each rendered object placed (kind resolved by
// discovery; tenancy refusals), compared with its live copy, and the objects of the last inventory
// that Git no longer holds and that are provably this Application's (the prune candidates).
import type { Application } from "../api/application.ts";
import type { ApiDiscovery } from "../kube/discovery.ts";
import { isUnknownKind } from "../kube/errors.ts";
import type { ResourceType } from "../kube/resources.ts";
import { definedInRender } from "./apply/crds.ts";
import { classify } from "./apply/hooks.ts";
import { applyOrder, type Placed, place, TRACKING_ANNOTATION } from "./apply/placement.ts";
import { type InventoryEntry, leftBehind, provablyOwned } from "./apply/prune.ts";
import type { ToPrune } from "./apply/sync.ts";
import type { Comparer, ObjectState } from "./compare.ts";
import type { IgnoreRule } from "./diff/index.ts";
import type { ManagedObjects } from "./live.ts";
import type { Rendered } from "./render/directory.ts";

export interface ObjectsContext {
  app: Application;
  /** "namespace/name" of the Application: verdicts are kept under it. */
  key: string;
  discovery: ApiDiscovery;
  /** Live copies (the controller's informers; the CLI reads with GETs). */
  live: Pick<ManagedObjects, "liveOf">;
  comparer: Comparer;
}

export const splitApiVersion = (apiVersion: string): { group: string; version: string } => {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

export const entryOf = (p: Placed): InventoryEntry => ({
  group: p.group,
  version: p.version,
  kind: p.object.kind ?? "",
  ...(p.object.metadata?.namespace ? { namespace: p.object.metadata.namespace } : {}),
  name: p.object.metadata?.name ?? "",
});

const typeOf = (p: Placed, plural: string): ResourceType => ({
  group: p.group,
  version: p.version,
  kind: p.object.kind ?? "",
  plural,
  namespaced: p.namespaced,
});

/** A placed object with its resource; `awaitsCrd` when its kind comes with a CRD in this render. */
export interface Typed {
  placed: Placed;
  type: ResourceType;
  awaitsCrd?: string;
}

/** The kind's resource: served now, or defined by a CRD in the same render. */
async function resourceOf(ctx: ObjectsContext, rendered: Rendered[], object: Rendered["object"]) {
  const gvk = { ...splitApiVersion(object.apiVersion ?? ""), kind: object.kind ?? "" };
  try {
    return { resource: await ctx.discovery.resourceFor(gvk) };
  } catch (error) {
    if (!isUnknownKind(error)) throw error;
    const defined = definedInRender(
      rendered.map((r) => r.object),
      gvk,
    );
    if (defined) return { resource: defined.resource, awaitsCrd: defined.crd };
    throw error;
  }
}

/** Every rendered object placed and typed, in apply order, or the refusals. */
export async function placeAll(ctx: ObjectsContext, rendered: Rendered[]) {
  const placed: Typed[] = [];
  const refused: string[] = [];
  const target = {
    name: ctx.app.metadata?.name ?? "",
    destinationNamespace: ctx.app.spec?.destination?.namespace ?? "",
  };
  for (const { object, file } of rendered) {
    try {
      const { resource, awaitsCrd } = await resourceOf(ctx, rendered, object);
      const result = place(object, resource.namespaced, target);
      if ("refused" in result) refused.push(`${file}: ${result.refused}`);
      else
        placed.push({
          placed: result,
          type: typeOf(result, resource.plural),
          ...(awaitsCrd ? { awaitsCrd } : {}),
        });
    } catch (error) {
      if (!isUnknownKind(error)) throw error;
      refused.push(`${file}: ${(error as Error).message}`);
    }
  }
  const byPlaced = new Map(placed.map((p) => [p.placed, p]));
  const ordered = applyOrder(placed.map((p) => p.placed)).flatMap((p) => byPlaced.get(p) ?? []);
  return { ordered, refused };
}

/** Where the Comparer keeps an object's verdict: per Application and tracked object. */
export const verdictKey = (appKey: string, placed: Placed): string =>
  `${appKey}|${placed.object.metadata?.annotations?.[TRACKING_ANNOTATION]}`;

/** Objects read and compared at once: a look's reads (GETs of objects not in the informers, dry runs) are independent. */
const COMPARE_CONCURRENCY = 8;

/** One placed object with its live copy and its drift. */
async function compareOne(
  ctx: ObjectsContext,
  { placed, type, awaitsCrd }: Typed,
  rules: IgnoreRule[],
  respectIgnoreDifferences: boolean,
): Promise<ObjectState> {
  if (awaitsCrd)
    return {
      placed,
      type,
      live: undefined,
      body: placed.object,
      status: "OutOfSync",
      drift: [],
      message: `waits for CustomResourceDefinition ${awaitsCrd}`,
      awaitsCrd,
    };
  const ref = { namespace: placed.object.metadata?.namespace, name: placed.object.metadata?.name ?? "" };
  const live = await ctx.live.liveOf(type, ref);
  const key = verdictKey(ctx.key, placed);
  return ctx.comparer.compare(key, { placed, type, live, rules, respectIgnoreDifferences });
}

/**
 * Each placed object with its live copy and its drift, in the order given. Read a few at a time,
 * so a look's latency is not one round trip per object not yet in the informers.
 */
export async function compareAll(
  ctx: ObjectsContext,
  ordered: Typed[],
  rules: IgnoreRule[],
  respectIgnoreDifferences: boolean,
): Promise<ObjectState[]> {
  const states: ObjectState[] = [];
  for (let i = 0; i < ordered.length; i += COMPARE_CONCURRENCY) {
    const batch = ordered.slice(i, i + COMPARE_CONCURRENCY);
    states.push(
      ...(await Promise.all(batch.map((o) => compareOne(ctx, o, rules, respectIgnoreDifferences)))),
    );
  }
  return states;
}

/** Objects of the last inventory Git no longer holds and that are provably this Application's. */
export async function pruneCandidates(ctx: ObjectsContext, desired: Placed[]): Promise<ToPrune[]> {
  // Hooks are listed in status but are no inventory: never pruned.
  const inventory = (ctx.app.status?.resources ?? []).filter((r) => !r.hook) as InventoryEntry[];
  const name = ctx.app.metadata?.name ?? "";
  const candidates: ToPrune[] = [];
  for (const entry of leftBehind(inventory, desired)) {
    let resource: ResourceType;
    try {
      resource = await ctx.discovery.resourceFor(entry);
    } catch (error) {
      // The kind is gone from the cluster, and its objects with it.
      if (isUnknownKind(error)) continue;
      throw error;
    }
    const live = await ctx.live.liveOf(resource, { namespace: entry.namespace, name: entry.name });
    if (live && provablyOwned(name, live) && classify(live).role !== "hook")
      candidates.push({ entry, type: resource, live });
  }
  return candidates;
}
