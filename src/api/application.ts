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
  health?: { status: string; message?: string };
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
    phase: "Running" | "Succeeded" | "Failed" | "Error";
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    syncResult?: { revision: string; resources: (ResourceStatus & { message: string })[] };
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
