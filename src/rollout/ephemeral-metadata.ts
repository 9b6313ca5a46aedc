// Ephemeral metadata (the peer's canaryMetadata / stableMetadata, previewMetadata / activeMetadata):
// labels and annotations a pod carries only while it plays a role. A ReplicaSet is created with its
// role's metadata in its pod template; when its role changes (promotion makes the canary stable),
// the template is updated and its running pods are patched in place — never recreated. What was
// applied is recorded on the ReplicaSet (the peer's annotation), so keys of the old role are
// removed, and keys a user or another tool set are left alone. Pure; the shell writes.
import type { PodMetadata } from "../api/common.ts";
import type { Rollout } from "../api/rollout.ts";
import { hashOf, type ReplicaSet } from "./world.ts";

export const EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata";

/** A ReplicaSet whose role metadata changes: the keys to set (null: remove) on it and its pods. */
export interface MetadataChange {
  replicaSet: string;
  hash: string;
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  /** The new record for EPHEMERAL_METADATA_ANNOTATION. */
  record: string;
}

/**
 * The metadata a ReplicaSet of `hash` carries now: the canary's (preview's) while an update is in
 * progress and it is not the stable one, the stable's (active's) otherwise.
 */
export function roleMetadata(rollout: Rollout, hash: string): PodMetadata | undefined {
  const { canary, blueGreen } = rollout.spec?.strategy ?? {};
  const stable = rollout.status?.stableRS;
  const updating = stable !== undefined && hash !== stable;
  if (blueGreen) return updating ? blueGreen.previewMetadata : blueGreen.activeMetadata;
  return updating ? canary?.canaryMetadata : canary?.stableMetadata;
}

const recordOf = (metadata: PodMetadata | undefined): string =>
  JSON.stringify({ labels: metadata?.labels ?? {}, annotations: metadata?.annotations ?? {} });

function readRecord(rs: ReplicaSet): PodMetadata {
  try {
    return JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION] ?? "{}") as PodMetadata;
  } catch {
    return {}; // unreadable (edited by hand): nothing to remove, the new keys are set
  }
}

/** Keys to set from `next`, and keys of `previous` that `next` no longer has (null). */
function delta(previous: Record<string, string> = {}, next: Record<string, string> = {}) {
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(previous)) if (!(key in next)) out[key] = null;
  for (const [key, value] of Object.entries(next)) if (previous[key] !== value) out[key] = value;
  return out;
}

/** The ReplicaSets (current and stable) whose ephemeral metadata must change, and how. */
export function metadataChanges(
  rollout: Rollout,
  replicaSets: readonly ReplicaSet[],
  hashes: string[],
): MetadataChange[] {
  const changes: MetadataChange[] = [];
  for (const hash of new Set(hashes)) {
    const rs = replicaSets.find((r) => hashOf(r) === hash);
    if (!rs) continue;
    const wanted = roleMetadata(rollout, hash);
    const record = recordOf(wanted);
    const recorded = rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION];
    // Never had any and none is wanted: nothing to record.
    if (recorded === record || (recorded === undefined && wanted === undefined)) continue;
    const previous = readRecord(rs);
    const labels = delta(previous.labels, wanted?.labels);
    for (const key of Object.keys(rollout.spec?.selector?.matchLabels ?? {})) delete labels[key];
    changes.push({
      replicaSet: rs.metadata?.name ?? "",
      hash,
      labels,
      annotations: delta(previous.annotations, wanted?.annotations),
      record,
    });
  }
  return changes;
}

/** A new ReplicaSet's pod template with its role's metadata, and the record to put on it. */
export function withRoleMetadata<T extends { metadata?: PodMetadata }>(
  rollout: Rollout,
  hash: string,
  template: T,
): { template: T; record?: string } {
  const wanted = roleMetadata(rollout, hash);
  if (!wanted) return { template };
  // The selector's labels stay as they are: a pod the ReplicaSet does not select would be orphaned.
  const selected = rollout.spec?.selector?.matchLabels ?? {};
  const metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, ...wanted.labels, ...selected },
    annotations: { ...template.metadata?.annotations, ...wanted.annotations },
  };
  return { template: { ...template, metadata }, record: recordOf(wanted) };
}
