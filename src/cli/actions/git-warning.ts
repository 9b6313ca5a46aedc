// `set image` and `undo` change spec.template, which Git owns when an Application applied the
// Rollout (DESIGN.md §8 rule 4): the change is drift, so say so before the user relies on it.
import type { Rollout } from "../../api/rollout.ts";
import { TRACKING_LABEL } from "../../gitops/apply/placement.ts";

export function gitWarning(rollout: Rollout, change: "set image" | "undo"): string | undefined {
  const app = rollout.metadata?.labels?.[TRACKING_LABEL];
  if (!app) return undefined;
  const name = rollout.metadata?.name ?? "";
  const inGit = change === "undo" ? "revert the change in Git" : "change the image in Git";
  return (
    `Warning: rollout '${name}' is managed from Git by Application '${app}', and Git will win: ` +
    `the Application shows OutOfSync, and with self-heal it reverts this ${change}. ` +
    `To keep it, ${inGit}.\n`
  );
}
