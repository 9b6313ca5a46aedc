// Event reasons: stable strings users and alerts match on. Add here; never rename.
export const Reasons = {
  LeaderElected: "LeaderElected",
  InvalidSpec: "InvalidSpec",
  ReconcileError: "ReconcileError",
  // Rollout progress (the peer's reasons, so alerts and dashboards carry over).
  RolloutUpdated: "RolloutUpdated",
  SkipSteps: "SkipSteps",
  RolloutStepCompleted: "RolloutStepCompleted",
  RolloutPaused: "RolloutPaused",
  RolloutResumed: "RolloutResumed",
  RolloutAborted: "RolloutAborted",
  RolloutRetry: "RolloutRetry",
  RolloutCompleted: "RolloutCompleted",
  NewReplicaSetCreated: "NewReplicaSetCreated",
  ScalingReplicaSet: "ScalingReplicaSet",
  SwitchService: "SwitchService",
  // Traffic routers (the peer's reasons).
  TrafficWeightUpdated: "TrafficWeightUpdated",
  CreatingCanaryIngress: "CreatingCanaryIngress",
  PatchingCanaryIngress: "PatchingCanaryIngress",
  // A run the rollout waits on completed (the peer's AnalysisRun<Phase>).
  AnalysisRunSuccessful: "AnalysisRunSuccessful",
  AnalysisRunFailed: "AnalysisRunFailed",
  AnalysisRunError: "AnalysisRunError",
  AnalysisRunInconclusive: "AnalysisRunInconclusive",
  // A run the rollout needs cannot be made yet.
  AnalysisTemplateNotFound: "AnalysisTemplateNotFound",
  AnalysisRunConflict: "AnalysisRunConflict",
  // The Git core (Argo CD's words).
  SyncStarted: "SyncStarted",
  SyncSucceeded: "SyncSucceeded",
  SyncFailed: "SyncFailed",
  ComparisonError: "ComparisonError",
  SyncError: "SyncError",
  OutOfSync: "OutOfSync",
  Pruned: "Pruned",
  HealthDegraded: "HealthDegraded",
  // Deleting an Application: its objects deleted wave by wave (resources finalizer), a delete the
  // API refused (Argo CD's DeletionError), or left in place without the tracking label.
  ResourceDeleted: "ResourceDeleted",
  DeletionError: "DeletionError",
  ResourcesOrphaned: "ResourcesOrphaned",
} as const;

export type Reason = (typeof Reasons)[keyof typeof Reasons];
