// What deleting an Application deletes, and in which order (pure). With a resources finalizer
// (Argo CD's `resources-finalizer.argocd.argoproj.io`, its `/foreground` and `/background` forms,
// or sluice's own) the Application deletes the objects of its inventory that are provably its own
// (label naming it and annotation naming the object: an object another Application or tool now
// holds is never touched) in the reverse of the apply order: highest sync wave first, within a
// wave the kinds reversed, Namespaces and CRDs last. Each step is one wave; the next starts only
// once every object of the step is gone. Deleting a CRD deletes every object of its kind in the
// cluster — Argo CD deletes them too, and so does sluice: a CRD in Git is the Application's.
// `Delete=false` in an object's sync options keeps it (Argo CD's), orphaned like the objects of
// an Application without the finalizer.
import type { KubeObject } from "../../kube/types.ts";
import { applyOrder, type Placed, SYNC_WAVE } from "./placement.ts";
import { type InventoryEntry, objectSyncOptions, provablyOwned } from "./prune.ts";

const ARGO_FINALIZER = "resources-finalizer.argocd.argoproj.io";
export const SLUICE_FINALIZER = "sluice.dev/resources-finalizer";

export type Propagation = "Foreground" | "Background";

/**
 * The resources finalizer an Application carries and the propagation it asks for (foreground by
 * default, as Argo CD). sluice's has no suffixed forms: a finalizer holds at most one "/".
 */
export function resourcesFinalizer(
  finalizers: readonly string[] | undefined,
): { finalizer: string; propagation: Propagation } | undefined {
  for (const finalizer of finalizers ?? []) {
    if (
      finalizer === ARGO_FINALIZER ||
      finalizer === SLUICE_FINALIZER ||
      finalizer === `${ARGO_FINALIZER}/foreground`
    )
      return { finalizer, propagation: "Foreground" };
    if (finalizer === `${ARGO_FINALIZER}/background`) return { finalizer, propagation: "Background" };
  }
  return undefined;
}

/** An inventory entry with its live object (undefined: gone). */
export interface Found<T = unknown> {
  entry: InventoryEntry;
  live: KubeObject | undefined;
  /** Carried through untouched (the caller's resource type). */
  type: T;
}

export interface TeardownStep<T = unknown> {
  wave: number;
  /** The Namespaces-and-CRDs steps, after every other object. */
  last: boolean;
  /** In deletion order. */
  objects: (Found<T> & { live: KubeObject })[];
}

export interface TeardownPlan<T = unknown> {
  /** Steps still to finish, the current one first. */
  steps: TeardownStep<T>[];
  /** Provably owned but kept (`Delete=false`): orphaned, not deleted. */
  kept: (Found<T> & { live: KubeObject })[];
}

const isLast = (kind: string | undefined) => kind === "Namespace" || kind === "CustomResourceDefinition";
const waveOf = (live: KubeObject) => Number(live.metadata?.annotations?.[SYNC_WAVE] ?? 0) || 0;
export const deleteDisabled = (live: KubeObject): boolean => objectSyncOptions(live).includes("Delete=false");

/** The objects still there that the Application owns, as steps in deletion order. */
export function teardownPlan<T>(application: string, found: Found<T>[]): TeardownPlan<T> {
  const owned = found.filter(
    (f): f is Found<T> & { live: KubeObject } => f.live !== undefined && provablyOwned(application, f.live),
  );
  const kept = owned.filter((f) => deleteDisabled(f.live));
  const byPlaced = new Map<Placed, Found<T> & { live: KubeObject }>();
  for (const f of owned.filter((o) => !deleteDisabled(o.live)))
    byPlaced.set(
      { object: f.live, group: f.entry.group, version: f.entry.version, namespaced: !!f.entry.namespace },
      f,
    );
  const steps: TeardownStep<T>[] = [];
  for (const placed of applyOrder([...byPlaced.keys()]).reverse()) {
    const f = byPlaced.get(placed);
    if (!f) continue;
    const wave = waveOf(f.live);
    const last = isLast(f.entry.kind);
    const current = steps.at(-1);
    if (current && current.wave === wave && current.last === last) current.objects.push(f);
    else steps.push({ wave, last, objects: [f] });
  }
  return { steps, kept };
}
