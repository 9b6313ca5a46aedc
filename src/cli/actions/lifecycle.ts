// abort, retry, pause and restart: one field each (DESIGN.md §8), refused when they would do
// nothing the user could want, and a no-op (exit 0) when the Rollout is already as asked.
import type { Rollout } from "../../api/rollout.ts";
import { type Decision, isAborted, nameOf, noop, patch, refuse, updating } from "./decision.ts";

export function decideAbort(rollout: Rollout): Decision {
  const name = nameOf(rollout);
  if (isAborted(rollout)) return noop(`rollout '${name}' is already aborted`);
  // A first deploy has no stable version to go back to; a finished update has nothing to stop.
  if (!updating(rollout)) return refuse(`rollout '${name}' has no update in progress: nothing to abort`);
  return patch(`rollout '${name}' aborted`, { status: { abort: true } });
}

export function decideRetry(rollout: Rollout): Decision {
  const name = nameOf(rollout);
  if (!isAborted(rollout)) return refuse(`rollout '${name}' is not aborted: nothing to retry`);
  return patch(`rollout '${name}' retried`, { status: { abort: false } });
}

export function decidePause(rollout: Rollout): Decision {
  const name = nameOf(rollout);
  if (rollout.spec?.paused) return noop(`rollout '${name}' is already paused`);
  return patch(`rollout '${name}' paused`, { spec: { paused: true } });
}

/** RFC 3339 to the second, as the peer writes spec.restartAt. */
export const rfc3339 = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, "Z");

/** `in` is how the user said the delay ("0s" when none), echoed as the peer does. */
export function decideRestart(rollout: Rollout, at: Date, inText: string): Decision {
  return patch(`rollout '${nameOf(rollout)}' restarts in ${inText}`, { spec: { restartAt: rfc3339(at) } });
}
