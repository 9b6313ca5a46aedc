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
    managedNamespaceMetadata?: Record<string, unknown>;
  };
  ignoreDifferences?: Record<string, unknown>[];
  revisionHistoryLimit?: number;
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
  status: "Synced" | "OutOfSync";
  message?: string;
  /** In the last inventory, gone from Git, not pruned (yet). */
  requiresPruning?: boolean;
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
    /** Retries of a failed sync that led to this state (syncPolicy.retry). */
    retryCount?: number;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    syncResult?: { revision: string; resources: SyncResultResource[] };
  };
  conditions?: Condition[];
  reconciledAt?: string;
  observedGeneration?: number;
}

export interface Application extends TypedObject<ApplicationSpec, ApplicationStatus> {
  operation?: {
    sync?: { revision?: string; prune?: boolean; syncOptions?: string[] };
    initiatedBy?: Record<string, unknown>;
  };
}
