// What an Application may prune (pure): objects of its last inventory that the source no longer
// holds, and of those only the ones provably its own — the live object carries the tracking label
// naming the Application AND the tracking annotation naming this very object (a copy made by
// another tool, or an object someone else now owns, is never deleted). `Prune=false` in the
// object's `argocd.argoproj.io/sync-options` (or sluice's) keeps it.
import type { ResourceStatus } from "../../api/application.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type Placed, TRACKING_ANNOTATION, TRACKING_LABEL, trackingId } from "./placement.ts";

const SYNC_OPTION_ANNOTATIONS = ["argocd.argoproj.io/sync-options", "sluice.dev/sync-options"];

export type InventoryEntry = Pick<ResourceStatus, "group" | "version" | "kind" | "namespace" | "name">;

const identity = (e: { group: string; kind: string; namespace?: string | undefined; name: string }) =>
  `${e.group}/${e.kind}/${e.namespace ?? ""}/${e.name}`;

export const identityOfPlaced = (p: Placed): string =>
  identity({
    group: p.group,
    kind: p.object.kind ?? "",
    namespace: p.object.metadata?.namespace,
    name: p.object.metadata?.name ?? "",
  });

/** Entries of the last inventory that the source no longer wants (each once). */
export function leftBehind(inventory: InventoryEntry[], desired: Placed[]): InventoryEntry[] {
  const wanted = new Set(desired.map(identityOfPlaced));
  const seen = new Set<string>();
  return inventory.filter((entry) => {
    const id = identity(entry);
    if (wanted.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** True when `live` was applied by this Application as this object. */
export function provablyOwned(application: string, live: KubeObject): boolean {
  return (
    live.metadata?.labels?.[TRACKING_LABEL] === application &&
    live.metadata?.annotations?.[TRACKING_ANNOTATION] === trackingId(application, live)
  );
}

/** The sync options an object asks for by annotation (comma-separated, as Argo CD reads them). */
export function objectSyncOptions(object: KubeObject | undefined): string[] {
  return SYNC_OPTION_ANNOTATIONS.flatMap((a) =>
    (object?.metadata?.annotations?.[a] ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  );
}

export const pruneDisabled = (live: KubeObject): boolean => objectSyncOptions(live).includes("Prune=false");
