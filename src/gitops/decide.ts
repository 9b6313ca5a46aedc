// Whether a look at an Application syncs now, and how (pure; time is an input). Argo CD's rules:
// an operation always syncs; automated sync acts only on an OutOfSync Application, once per
// revision (a failed attempt at a revision is not repeated by itself); self-heal re-syncs drift at
// the same revision after a backoff (2 s × 3ⁿ, capped at 5 min) so a fight with another writer
// cannot hot-loop; an automated sync that would prune every object is refused unless allowEmpty.
// With `syncPolicy.retry`, a failed automated sync is tried again after its backoff (Argo CD's
// defaults: 5 s × 2ⁿ up to 3 min), `limit` times (−1: without end).

import { parseDuration } from "../api/duration.ts";

export interface AutomatedPolicy {
  enabled?: boolean;
  prune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
}

export interface RetryPolicy {
  limit: number;
  durationMs: number;
  factor: number;
  maxDurationMs: number;
}

/** Argo CD's syncPolicy.retry with its defaults (limit 0: no retries; backoff 5s × 2 up to 3m). */
export function retryPolicyOf(retry: Record<string, unknown> | undefined): RetryPolicy | undefined {
  if (!retry) return undefined;
  const backoff = (retry.backoff ?? {}) as {
    duration?: string | number;
    factor?: number;
    maxDuration?: string | number;
  };
  return {
    limit: typeof retry.limit === "number" ? retry.limit : 0,
    durationMs: parseDuration(backoff.duration ?? "5s", "spec.syncPolicy.retry.backoff.duration"),
    factor: backoff.factor ?? 2,
    maxDurationMs: parseDuration(backoff.maxDuration ?? "3m", "spec.syncPolicy.retry.backoff.maxDuration"),
  };
}

export interface SyncInputs {
  /** The Application's operation.sync, when one is asked for. */
  operation?: { prune?: boolean } | undefined;
  automated?: AutomatedPolicy | undefined;
  /** The commit this look compared. */
  revision: string;
  /** Any object missing, drifted, or left in Git's past (to prune). */
  outOfSync: boolean;
  /** Objects the source wants; objects that would be pruned. */
  desiredCount: number;
  pruneCount: number;
  /** The last operation: its revision, phase, end (ms) and how many retries led to it. */
  last?: {
    revision?: string | undefined;
    phase?: string | undefined;
    finishedAtMs?: number | undefined;
    retryCount?: number | undefined;
  };
  retry?: RetryPolicy | undefined;
  /** Self-heals in a row at this revision (kept by the caller), and now. */
  healAttempts: number;
  nowMs: number;
}

export type SyncDecision =
  | { action: "none"; reason: string }
  | { action: "wait"; afterMs: number; reason: string }
  | { action: "refuse"; message: string }
  | { action: "sync"; prune: boolean; selfHeal: boolean; retry?: boolean };

export const HEAL_BACKOFF_MS = 2_000;
export const HEAL_BACKOFF_FACTOR = 3;
export const HEAL_BACKOFF_CAP_MS = 300_000;

/** How long self-heal waits after the last sync, given the heals already made at this revision. */
export const healDelayMs = (attempts: number): number =>
  Math.min(HEAL_BACKOFF_MS * HEAL_BACKOFF_FACTOR ** attempts, HEAL_BACKOFF_CAP_MS);

export function decideSync(inputs: SyncInputs): SyncDecision {
  if (inputs.operation) return { action: "sync", prune: inputs.operation.prune === true, selfHeal: false };
  const automated = inputs.automated;
  if (!automated || automated.enabled === false) return { action: "none", reason: "automated sync is off" };
  if (!inputs.outOfSync) return { action: "none", reason: "synced" };
  const prune = automated.prune === true;
  if (prune && !automated.allowEmpty && inputs.desiredCount === 0 && inputs.pruneCount > 0)
    return {
      action: "refuse",
      message:
        "auto-sync will wipe out all resources: the source renders nothing (set allowEmpty to allow it)",
    };
  const last = inputs.last;
  if (last?.revision !== inputs.revision) return { action: "sync", prune, selfHeal: false };
  if (last.phase === "Failed" && inputs.retry) return retryDecision(inputs, inputs.retry, prune);
  if (!automated.selfHeal)
    return {
      action: "none",
      reason:
        last.phase === "Failed"
          ? `a sync to ${inputs.revision.slice(0, 7)} already failed; it is not retried by itself`
          : "drift at the synced revision; selfHeal is off",
    };
  const waitMs = (last.finishedAtMs ?? 0) + healDelayMs(inputs.healAttempts) - inputs.nowMs;
  if (waitMs > 0) return { action: "wait", afterMs: waitMs, reason: "self-heal backoff" };
  return { action: "sync", prune, selfHeal: true };
}

/** When the next try of a failed sync at this revision is due: its backoff after the last end. */
export const retryDelayMs = (policy: RetryPolicy, retries: number): number =>
  Math.min(policy.durationMs * policy.factor ** retries, policy.maxDurationMs);

function retryDecision(inputs: SyncInputs, policy: RetryPolicy, prune: boolean): SyncDecision {
  const retries = inputs.last?.retryCount ?? 0;
  if (policy.limit >= 0 && retries >= policy.limit)
    return {
      action: "none",
      reason: `the sync failed and was retried ${retries} times (limit ${policy.limit})`,
    };
  const waitMs = (inputs.last?.finishedAtMs ?? 0) + retryDelayMs(policy, retries) - inputs.nowMs;
  if (waitMs > 0) return { action: "wait", afterMs: waitMs, reason: "retry backoff" };
  return { action: "sync", prune, selfHeal: false, retry: true };
}
