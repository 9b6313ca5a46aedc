// `undo NAME [--to-revision N]`: spec.template back to the template of the Rollout's ReplicaSet of
// revision N (annotation rollout.argoproj.io/revision), by default the newest revision that is not
// the current template — the peer's "previous revision", which it gets by renumbering a reused
// ReplicaSet as the newest (sluice keeps the number, so "newest but the current" is asked for).
import type { Rollout } from "../../api/rollout.ts";
import { podTemplateHash, templateMatches } from "../../rollout/hash.ts";
import { hashOf, type ReplicaSet, revisionOf } from "../../rollout/world.ts";
import { type Decision, nameOf, noop, patch, refuse, templateElsewhere } from "./decision.ts";
import { mergePatchBetween, templateOf } from "./template.ts";

/** ReplicaSets the Rollout controls, the peer's filter, newest revision first. */
function history(rollout: Rollout, replicaSets: readonly ReplicaSet[]): ReplicaSet[] {
  const uid = rollout.metadata?.uid;
  return replicaSets
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid && o.controller === true))
    .filter((rs) => revisionOf(rs) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

/** The ReplicaSet of the Rollout's current template: by its hash, or by content for adopted ones. */
function isCurrent(rollout: Rollout, rs: ReplicaSet): boolean {
  const template = rollout.spec?.template ?? {};
  if (hashOf(rs) === podTemplateHash(template, rollout.status?.collisionCount ?? 0)) return true;
  return rs.spec?.template !== undefined && templateMatches(template, rs.spec.template);
}

export function decideUndo(rollout: Rollout, replicaSets: readonly ReplicaSet[], toRevision = 0): Decision {
  const elsewhere = templateElsewhere(rollout);
  if (elsewhere) return elsewhere;
  const name = nameOf(rollout);
  const all = history(rollout, replicaSets);
  const target =
    toRevision > 0
      ? all.find((rs) => revisionOf(rs) === toRevision)
      : all.find((rs) => !isCurrent(rollout, rs));
  if (!target) {
    return refuse(
      toRevision > 0
        ? `unable to find specified revision ${toRevision} in history`
        : `no revision found for rollout "${name}" other than the current one`,
    );
  }
  if (isCurrent(rollout, target)) {
    return noop(`skipped rollback (current template already matches revision ${revisionOf(target)})`);
  }
  const { template } = templateOf(target, rollout.status?.collisionCount ?? 0);
  const changes = mergePatchBetween(rollout.spec?.template ?? {}, template) as Record<string, unknown>;
  return patch(`rollout '${name}' undo`, { spec: { template: changes } });
}
