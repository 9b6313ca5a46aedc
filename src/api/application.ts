// The Application kind: Argo CD's field names (DESIGN.md §8), in sluice.dev/v1alpha1.
import type { Condition, TypedObject } from "./common.ts";

export interface ApplicationSource {
  repoURL?: string;
  targetRevision?: string;
  path?: string;
  chart?: string;
  directory?: { recurse?: boolean; include?: string; exclude?: string; jsonnet?: Record<string, unknown> };
  kustomize?: Record<string, unknown>;
  helm?: Record<string, unknown>;
  plugin?: Record<string, unknown>;
}

export interface ApplicationSpec {
  project?: string;
  source?: ApplicationSource;
  sources?: Record<string, unknown>[];
  destination?: { server?: string; name?: string; namespace?: string };
  syncPolicy?: {
    automated?: { enabled?: boolean; prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
    syncOptions?: string[];
    retry?: Record<string, unknown>;
    managedNamespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  };
  ignoreDifferences?: Record<string, unknown>[];
  revisionHistoryLimit?: number;
  /** sluice's own: Applications (same namespace) that must be Synced and Healthy before this one syncs. */
  dependsOn?: string[];
  /** Free-form notes shown to users (Argo CD's `info`). */
  info?: { name: string; value: string }[];
  sourceHydrator?: Record<string, unknown>;
}

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Absent for a hook: hooks are not compared with Git. */
  status?: "Synced" | "OutOfSync";
  message?: string;
  /** In the last inventory, gone from Git, not pruned (yet). */
  requiresPruning?: boolean;
  /** A sync hook (argocd.argoproj.io/hook): not part of the synced inventory, never pruned. */
  hook?: boolean;
  health?: { status: string; message?: string };
}

/** One object's part in a sync (Argo CD's result codes). */
export interface SyncResultResource {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: "Synced" | "SyncFailed" | "Pruned" | "PruneSkipped";
  message: string;
  /** For a hook: the phase it ran in and how far it got (Argo CD's hookType and hookPhase). */
  hookType?: "PreSync" | "Sync" | "PostSync" | "SyncFail";
  hookPhase?: "Running" | "Succeeded" | "Failed";
}

/** One deploy (Argo CD's RevisionHistory). */
export interface HistoryEntry {
  id: number;
  revision: string;
  deployStartedAt?: string;
  deployedAt: string;
  source?: ApplicationSource;
  initiatedBy?: Record<string, unknown>;
}

/** A Rollout applied from `revision` that was aborted: Git's template is held back until Git moves. */
export interface FailedRollout {
  rollout: string;
  revision: string;
  reason: string;
  at: string;
}

/** sluice's own status (recorded in status, never by editing spec — DESIGN.md §8). */
export interface ApplicationSluiceStatus {
  /** Set by a rollback: automated sync does nothing until the user resumes it. */
  automationSuspended?: { reason: string; at: string };
  failedRollouts?: FailedRollout[];
  /** dependsOn: what this Application waits for, since when, and when it was last satisfied. */
  dependencies?: { waitingFor?: string[]; waitingSince?: string; satisfiedAt?: string };
}

export interface ApplicationStatus {
  sync?: {
    status: "Synced" | "OutOfSync" | "Unknown";
    revision?: string;
    comparedTo?: Record<string, unknown>;
  };
  health?: { status: string; message?: string };
  resources?: ResourceStatus[];
  operationState?: {
    /** What was run: Argo CD records the operation with its state. */
    operation?: { sync?: { revision?: string; prune?: boolean }; initiatedBy?: Record<string, unknown> };
    phase: "Running" | "Succeeded" | "Failed" | "Error";
    /** Retries of a failed sync that led to this state (syncPolicy.retry), and when the next is due. */
    retryCount?: number;
    nextRetryAt?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    syncResult?: { revision: string; resources: SyncResultResource[] };
  };
  conditions?: Condition[];
  reconciledAt?: string;
  observedGeneration?: number;
  history?: HistoryEntry[];
  sluice?: ApplicationSluiceStatus;
}

export interface Application extends TypedObject<ApplicationSpec, ApplicationStatus> {
  operation?: {
    sync?: { revision?: string; prune?: boolean; syncOptions?: string[] };
    /** Re-apply the manifests of a history entry, and suspend automated sync. */
    rollback?: { id: number; prune?: boolean };
    initiatedBy?: Record<string, unknown>;
  };
}
