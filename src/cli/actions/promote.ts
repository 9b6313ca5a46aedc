// `promote NAME [--full]`: the peer's patches (its promote.go), decided from the Rollout as read.
// Plain promote resumes a manual pause (spec.paused: false) and lets a paused update go on (clears
// status.pauseConditions); a canary not paused at a step skips that step (currentStepIndex + 1);
// a canary paused on an Inconclusive step analysis is moved past that step, since clearing the
// pause alone would measure the same step again. --full sets status.promoteFull.
import type { Rollout } from "../../api/rollout.ts";
import { type Decision, type Fields, isAborted, nameOf, noop, patch, refuse, updating } from "./decision.ts";

const nothingToPromote = (name: string) =>
  refuse(`rollout '${name}' has no update in progress: nothing to promote`);

/** The step after the current one, or undefined when the canary has no steps left to skip. */
function nextStep(rollout: Rollout): number | undefined {
  const steps = rollout.spec?.strategy?.canary?.steps ?? [];
  if (!rollout.spec?.strategy?.canary || steps.length === 0) return undefined;
  const index = rollout.status?.currentStepIndex ?? 0;
  return index < steps.length ? index + 1 : undefined;
}

function pausedOnInconclusiveStep(rollout: Rollout): boolean {
  const status = rollout.status ?? {};
  return (
    rollout.spec?.strategy?.canary !== undefined &&
    status.canary?.currentStepAnalysisRunStatus?.status === "Inconclusive" &&
    (status.pauseConditions?.length ?? 0) > 0 &&
    status.controllerPause === true
  );
}

/** The status patch of a plain promote, or undefined when the status has nothing to let go of. */
function promoteStatus(rollout: Rollout): Fields | undefined {
  const next = nextStep(rollout);
  if (pausedOnInconclusiveStep(rollout) && next !== undefined) {
    return { pauseConditions: null, controllerPause: false, currentStepIndex: next };
  }
  if ((rollout.status?.pauseConditions?.length ?? 0) > 0) return { pauseConditions: null };
  // A manual pause is only resumed: the peer would skip the step as well, which would pass over
  // an analysis step without a word. Skipping a step is what promote does to a running canary.
  if (rollout.spec?.paused || !updating(rollout) || next === undefined) return undefined;
  return { pauseConditions: null, currentStepIndex: next };
}

export function decidePromote(rollout: Rollout): Decision {
  const name = nameOf(rollout);
  if (isAborted(rollout)) {
    return refuse(`rollout '${name}' is aborted: use \`kubectl sluice retry rollout ${name}\``);
  }
  const spec = rollout.spec?.paused ? { paused: false } : undefined;
  const status = promoteStatus(rollout);
  if (spec || status) return patch(`rollout '${name}' promoted`, { spec, status });
  if (!updating(rollout)) return nothingToPromote(name);
  return refuse(
    `rollout '${name}' is not paused: nothing to promote (\`kubectl sluice promote ${name} --full\` skips the remaining steps and analysis)`,
  );
}

/**
 * --full: every remaining step, pause and analysis skipped. Allowed on an aborted update, as the
 * peer does: the controller clears the abort and promotes the new version (a retry would walk the
 * steps again instead).
 */
export function decidePromoteFull(rollout: Rollout): Decision {
  const name = nameOf(rollout);
  const spec = rollout.spec?.paused ? { paused: false } : undefined;
  const pending = updating(rollout) && rollout.status?.promoteFull !== true;
  const status = pending ? { promoteFull: true } : undefined;
  if (spec || status) {
    return patch(`rollout '${name}' fully promoted`, { spec, status });
  }
  if (updating(rollout)) return noop(`rollout '${name}' is already being fully promoted`);
  return nothingToPromote(name);
}
