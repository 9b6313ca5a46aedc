// An Application's sync and resource status from one look (pure): each desired object Synced or
// OutOfSync (missing, drifted, or failed to apply), each prune candidate OutOfSync with
// requiresPruning until it is pruned, health per object from its live copy, and the Application's
// health as the worst. After a sync, what it applied is Synced and what it pruned is gone.
import type { ResourceStatus } from "../api/application.ts";
import type { InventoryEntry } from "./apply/prune.ts";
import type { SyncOutcome, ToPrune } from "./apply/sync.ts";
import type { ObjectState } from "./compare.ts";
import { type Health, healthOf, worst } from "./health/index.ts";
import { entryOf } from "./objects.ts";

export interface LookResult {
  resources: ResourceStatus[];
  sync: "Synced" | "OutOfSync";
  health: Health;
}

const sameEntry = (a: InventoryEntry, b: InventoryEntry) =>
  a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

function afterSync(state: ObjectState, outcome: SyncOutcome | undefined): "Synced" | "OutOfSync" {
  const applied = outcome?.resources.find((r) => sameEntry(r, entryOf(state.placed)));
  if (applied) return applied.status === "Synced" ? "Synced" : "OutOfSync";
  return state.status;
}

export function lookResult(
  states: ObjectState[],
  leftovers: ToPrune[],
  outcome: SyncOutcome | undefined,
): LookResult {
  const healths = states.map((s) => healthOf(s.placed.group, s.live));
  const resources: ResourceStatus[] = states.map((state, i) => {
    const status = afterSync(state, outcome);
    const health = healths[i];
    const message = status === "OutOfSync" ? state.message : undefined;
    return {
      ...entryOf(state.placed),
      status,
      ...(message ? { message } : {}),
      ...(health ? { health } : {}),
    };
  });
  const pruned = (outcome?.resources ?? []).filter((r) => r.status === "Pruned");
  for (const o of leftovers) {
    if (pruned.some((p) => sameEntry(p, o.entry))) continue;
    resources.push({ ...o.entry, status: "OutOfSync", requiresPruning: true });
  }
  return {
    resources,
    sync: resources.every((r) => r.status === "Synced") ? "Synced" : "OutOfSync",
    health: worst(healths),
  };
}
