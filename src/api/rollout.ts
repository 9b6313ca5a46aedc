// The Rollout kind: Argo Rollouts' field names and meanings (DESIGN.md §2), in sluice.dev/v1alpha1.
// Defaults are the peer's (../shared/reference/argo-rollouts.md §1.7).
import type {
  Condition,
  IntOrString,
  LabelSelector,
  PodMetadata,
  PodTemplateSpec,
  TypedObject,
} from "./common.ts";

export interface RolloutAnalysis {
  templates?: { templateName?: string; clusterScope?: boolean }[];
  args?: {
    name: string;
    value?: string;
    valueFrom?: { podTemplateHashValue?: "Stable" | "Latest"; fieldRef?: { fieldPath: string } };
  }[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
  analysisRunMetadata?: PodMetadata;
}

/** A header value to match: exactly one of exact, prefix, regex. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** Sends requests with matching headers to the canary; an empty or absent match removes the route. */
export interface SetHeaderRoute {
  name: string;
  match?: { headerName: string; headerValue: StringMatch }[];
}

/** Mirrors matching requests (blocks OR'ed, fields within a block AND'ed) to the canary. */
export interface SetMirrorRoute {
  name: string;
  match?: { method?: StringMatch; path?: StringMatch; headers?: Record<string, StringMatch> }[];
  percentage?: number;
}

export interface CanaryStep {
  setWeight?: number;
  pause?: { duration?: IntOrString };
  setCanaryScale?: { weight?: number; replicas?: number; matchTrafficWeight?: boolean };
  analysis?: RolloutAnalysis;
  experiment?: Record<string, unknown>;
  setHeaderRoute?: SetHeaderRoute;
  setMirrorRoute?: SetMirrorRoute;
  plugin?: Record<string, unknown>;
}

export interface NginxTrafficRouting {
  stableIngress?: string;
  stableIngresses?: string[];
  annotationPrefix?: string;
  additionalIngressAnnotations?: Record<string, string>;
  canaryIngressAnnotations?: Record<string, string>;
}

/** An Istio VirtualService and which of its routes carry the split (the peer's IstioVirtualService). */
export interface IstioVirtualService {
  /** `<name>` or `<name>.<namespace>` (the peer's form); the Rollout's namespace by default. */
  name: string;
  routes?: string[];
  tlsRoutes?: { port?: number; sniHosts?: string[] }[];
  tcpRoutes?: { port?: number }[];
}

export interface IstioTrafficRouting {
  virtualService?: IstioVirtualService;
  virtualServices?: IstioVirtualService[];
  /** Subset-level split: the VirtualService's destinations name these subsets of the DestinationRule. */
  destinationRule?: {
    name: string;
    canarySubsetName: string;
    stableSubsetName: string;
    additionalSubsetNames?: string[];
  };
}

export interface TrafficRouting {
  nginx?: NginxTrafficRouting;
  istio?: IstioTrafficRouting;
  plugins?: Record<string, unknown>;
  /** sluice alias of plugins["argoproj-labs/gatewayAPI"] (DESIGN.md §8). */
  gatewayAPI?: Record<string, unknown>;
  managedRoutes?: { name: string }[];
  maxTrafficWeight?: number;
  alb?: Record<string, unknown>;
  smi?: Record<string, unknown>;
  ambassador?: Record<string, unknown>;
  appMesh?: Record<string, unknown>;
  traefik?: Record<string, unknown>;
  apisix?: Record<string, unknown>;
}

export interface AntiAffinity {
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number };
  requiredDuringSchedulingIgnoredDuringExecution?: Record<string, never>;
}

export interface CanaryStrategy {
  canaryService?: string;
  stableService?: string;
  steps?: CanaryStep[];
  trafficRouting?: TrafficRouting;
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  analysis?: RolloutAnalysis & { startingStep?: number };
  antiAffinity?: AntiAffinity;
  canaryMetadata?: PodMetadata;
  stableMetadata?: PodMetadata;
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  abortScaleDownDelaySeconds?: number;
  dynamicStableScale?: boolean;
  pingPong?: { pingService?: string; pongService?: string };
  minPodsPerReplicaSet?: number;
  replicaProgressThreshold?: { type?: "Percent" | "Pods"; value?: number };
}

export interface BlueGreenStrategy {
  activeService?: string;
  previewService?: string;
  previewReplicaCount?: number;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  maxUnavailable?: IntOrString;
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  abortScaleDownDelaySeconds?: number;
  prePromotionAnalysis?: RolloutAnalysis;
  postPromotionAnalysis?: RolloutAnalysis;
  antiAffinity?: AntiAffinity;
  previewMetadata?: PodMetadata;
  activeMetadata?: PodMetadata;
}

export interface RolloutSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
  workloadRef?: { apiVersion?: string; kind?: string; name?: string; scaleDown?: string };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  progressDeadlineAbort?: boolean;
  paused?: boolean;
  restartAt?: string;
  rollbackWindow?: { revisions?: number };
  analysis?: { successfulRunHistoryLimit?: number; unsuccessfulRunHistoryLimit?: number };
  strategy?: { canary?: CanaryStrategy; blueGreen?: BlueGreenStrategy };
}

export interface PauseCondition {
  reason: "CanaryPauseStep" | "BlueGreenPause" | "InconclusiveAnalysisRun" | "InconclusiveExperiment";
  startTime: string;
}

export interface WeightDestination {
  weight: number;
  serviceName?: string;
  podTemplateHash?: string;
}

export interface AnalysisRunStatusRef {
  name: string;
  status: string;
  message?: string;
}

export interface RolloutStatus {
  phase?: "Healthy" | "Progressing" | "Paused" | "Degraded";
  message?: string;
  observedGeneration?: number;
  currentPodHash?: string;
  stableRS?: string;
  currentStepIndex?: number;
  currentStepHash?: string;
  pauseConditions?: PauseCondition[];
  controllerPause?: boolean;
  abort?: boolean;
  abortedAt?: string;
  promoteFull?: boolean;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  HPAReplicas?: number;
  selector?: string;
  collisionCount?: number;
  restartedAt?: string;
  conditions?: Condition[];
  canary?: {
    weights?: { canary: WeightDestination; stable: WeightDestination; verified?: boolean };
    currentStepAnalysisRunStatus?: AnalysisRunStatusRef;
    currentBackgroundAnalysisRunStatus?: AnalysisRunStatusRef;
  };
  blueGreen?: {
    activeSelector?: string;
    previewSelector?: string;
    scaleUpPreviewCheckPoint?: boolean;
    prePromotionAnalysisRunStatus?: AnalysisRunStatusRef;
    postPromotionAnalysisRunStatus?: AnalysisRunStatusRef;
  };
  /** sluice's own: the strategy machine's persisted state (DESIGN.md §5, §8). */
  sluice?: {
    machine?: { machineVersion: number; value: unknown };
    /** Moves on with each attempt of an update; part of its AnalysisRuns' names. */
    analysisRound?: number;
    /** Resumed Inconclusive background analyses in this round; part of the background run's name. */
    backgroundRestarts?: number;
    /**
     * Resumed Inconclusive step, pre- or post-promotion analyses in this round: part of those runs'
     * names, so a resumed analysis is measured again by a fresh run.
     */
    runRestarts?: number;
  };
}

export type Rollout = TypedObject<RolloutSpec, RolloutStatus>;

export const RolloutDefaults = {
  replicas: 1,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  maxSurge: "25%",
  maxUnavailable: "25%",
  scaleDownDelaySeconds: 30,
  abortScaleDownDelaySeconds: 30,
  autoPromotionEnabled: true,
  maxTrafficWeight: 100,
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
} as const;
