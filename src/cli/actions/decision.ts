// What a mutating command decided from the Rollout it read: merge patches to send (spec on the main
// resource, status on the status subresource, as DESIGN.md §8 fixes the fields), nothing to do, or
// a refusal. Deciders are pure, so a 409 is handled by reading again and deciding again.
import type { Rollout } from "../../api/rollout.ts";

export type Fields = Record<string, unknown>;

export type Decision =
  /** Send these patches, then print `message`. */
  | { kind: "patch"; spec?: Fields; status?: Fields; message: string }
  /** Already as asked: print `message`, exit 0 (a script may run a command twice). */
  | { kind: "noop"; message: string }
  /** The command makes no sense for the Rollout as it is: `Error: message`, exit 1. */
  | { kind: "refuse"; message: string };

export const patch = (
  message: string,
  fields: { spec?: Fields | undefined; status?: Fields | undefined },
): Decision => ({
  kind: "patch",
  message,
  ...(fields.spec ? { spec: fields.spec } : {}),
  ...(fields.status ? { status: fields.status } : {}),
});
export const noop = (message: string): Decision => ({ kind: "noop", message });
export const refuse = (message: string): Decision => ({ kind: "refuse", message });

export const nameOf = (rollout: Rollout): string => rollout.metadata?.name ?? "";

/** An update is under way: the current template's pods are not the stable ones yet. */
export function updating(rollout: Rollout): boolean {
  const { currentPodHash, stableRS } = rollout.status ?? {};
  return currentPodHash !== undefined && stableRS !== undefined && currentPodHash !== stableRS;
}

export const isAborted = (rollout: Rollout): boolean => rollout.status?.abort === true;

/** A Rollout whose pod template lives in another object (workloadRef) is changed there. */
export function templateElsewhere(rollout: Rollout): Decision | undefined {
  const ref = rollout.spec?.workloadRef;
  if (!ref) return undefined;
  return refuse(
    `rollout '${nameOf(rollout)}' takes its pod template from ${ref.kind ?? "a workload"} '${ref.name ?? ""}' (spec.workloadRef): change it there`,
  );
}
