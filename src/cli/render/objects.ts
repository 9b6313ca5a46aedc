// The objects `get rollout` shows: a Rollout and what it owns. Only the fields the CLI reads.
import type { AnalysisRun } from "../../api/analysis.ts";
import type { Condition } from "../../api/common.ts";
import type { Rollout } from "../../api/rollout.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { ReplicaSet as ControllerReplicaSet } from "../../rollout/world.ts";

export type { AnalysisRun, Rollout };

export type ReplicaSet = ControllerReplicaSet & { status?: { conditions?: Condition[] } };

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    running?: Record<string, unknown>;
    terminated?: { reason?: string; exitCode?: number; signal?: number };
  };
}

export interface Pod extends KubeObject {
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** A Rollout with the ReplicaSets and AnalysisRuns it owns and the pods of those ReplicaSets. */
export interface RolloutView {
  rollout: Rollout;
  replicaSets: ReplicaSet[];
  pods: Pod[];
  analysisRuns: AnalysisRun[];
}
