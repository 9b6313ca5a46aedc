// Conditions on any sluice kind: set one (times move only when it changes, so an unchanged world
// writes no status) or remove one. Pure: `now` is passed in.
import type { Condition } from "./common.ts";

/**
 * Sets (or replaces) a condition, keeping its transition time while its status is unchanged.
 * `touch` moves lastUpdateTime even when nothing else changed (progress was made).
 */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">,
  now: string,
  touch = false,
): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const same =
    old && old.status === next.status && old.reason === next.reason && old.message === next.message;
  if (same && !touch) return conditions;
  const condition: Condition = {
    ...next,
    lastUpdateTime: now,
    lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? now) : now,
  };
  return [...conditions.filter((c) => c.type !== next.type), condition];
}

export function removeCondition(conditions: Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}
