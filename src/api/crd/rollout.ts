// The Rollout CRD: every field Argo Rollouts accepts (../shared/reference/argo-rollouts.md §1),
// structure and types only. Traffic routers and step kinds sluice does not model field by field
// are kept as unchecked objects so nothing a peer manifest carries is pruned; the validator
// reports the ones not supported yet.
import { GROUP, VERSION } from "../common.ts";
import {
  anyObject,
  anyValue,
  arr,
  bool,
  condition,
  customResourceDefinition,
  int,
  intOrString,
  labelSelector,
  obj,
  podMetadata,
  type Schema,
  str,
  stringMap,
  time,
} from "./schema.ts";

const rolloutAnalysis = (extra: Record<string, Schema> = {}): Schema =>
  obj({
    templates: arr(obj({ templateName: str(), clusterScope: bool() })),
    args: arr(
      obj(
        {
          name: str(),
          value: str(),
          valueFrom: obj({ podTemplateHashValue: str(), fieldRef: obj({ fieldPath: str() }, ["fieldPath"]) }),
        },
        ["name"],
      ),
    ),
    dryRun: arr(obj({ metricName: str() }, ["metricName"])),
    measurementRetention: arr(obj({ metricName: str(), limit: int() }, ["metricName", "limit"])),
    analysisRunMetadata: podMetadata(),
    ...extra,
  });

const antiAffinity = (): Schema =>
  obj({
    preferredDuringSchedulingIgnoredDuringExecution: obj({ weight: int() }, ["weight"]),
    requiredDuringSchedulingIgnoredDuringExecution: { type: "object" },
  });

const canaryStep = (): Schema =>
  obj({
    setWeight: int(),
    pause: obj({ duration: intOrString() }),
    setCanaryScale: obj({ weight: int(), replicas: int(), matchTrafficWeight: bool() }),
    analysis: rolloutAnalysis(),
    experiment: anyObject(),
    setHeaderRoute: anyObject(),
    setMirrorRoute: anyObject(),
    plugin: anyObject(),
  });

const istioVirtualService = (): Schema =>
  obj({
    name: str(),
    routes: arr(str()),
    tlsRoutes: arr(obj({ port: int(), sniHosts: arr(str()) })),
    tcpRoutes: arr(obj({ port: int() })),
  });

const trafficRouting = (): Schema =>
  obj({
    nginx: obj({
      stableIngress: str(),
      stableIngresses: arr(str()),
      annotationPrefix: str(),
      additionalIngressAnnotations: stringMap(),
      canaryIngressAnnotations: stringMap(),
    }),
    plugins: anyObject(),
    gatewayAPI: anyObject(),
    managedRoutes: arr(obj({ name: str() }, ["name"])),
    maxTrafficWeight: int(),
    alb: anyObject(),
    istio: obj({
      virtualService: istioVirtualService(),
      virtualServices: arr(istioVirtualService()),
      destinationRule: obj({
        name: str(),
        canarySubsetName: str(),
        stableSubsetName: str(),
        additionalSubsetNames: arr(str()),
      }),
    }),
    smi: anyObject(),
    ambassador: anyObject(),
    appMesh: anyObject(),
    traefik: anyObject(),
    apisix: anyObject(),
  });

const canary = (): Schema =>
  obj({
    canaryService: str(),
    stableService: str(),
    steps: arr(canaryStep()),
    trafficRouting: trafficRouting(),
    maxSurge: intOrString(),
    maxUnavailable: intOrString(),
    analysis: rolloutAnalysis({ startingStep: int() }),
    antiAffinity: antiAffinity(),
    canaryMetadata: podMetadata(),
    stableMetadata: podMetadata(),
    scaleDownDelaySeconds: int(),
    scaleDownDelayRevisionLimit: int(),
    abortScaleDownDelaySeconds: int(),
    dynamicStableScale: bool(),
    pingPong: obj({ pingService: str(), pongService: str() }),
    minPodsPerReplicaSet: int(),
    replicaProgressThreshold: obj({ type: str(), value: int() }),
  });

const blueGreen = (): Schema =>
  obj({
    activeService: str(),
    previewService: str(),
    previewReplicaCount: int(),
    autoPromotionEnabled: bool(),
    autoPromotionSeconds: int(),
    maxUnavailable: intOrString(),
    scaleDownDelaySeconds: int(),
    scaleDownDelayRevisionLimit: int(),
    abortScaleDownDelaySeconds: int(),
    prePromotionAnalysis: rolloutAnalysis(),
    postPromotionAnalysis: rolloutAnalysis(),
    antiAffinity: antiAffinity(),
    previewMetadata: podMetadata(),
    activeMetadata: podMetadata(),
  });

const analysisRunRef = (): Schema => obj({ name: str(), status: str(), message: str() });
const weightDestination = (): Schema => obj({ weight: int(), serviceName: str(), podTemplateHash: str() });

const status = (): Schema =>
  obj({
    phase: str(),
    message: str(),
    observedGeneration: int(),
    currentPodHash: str(),
    stableRS: str(),
    currentStepIndex: int(),
    currentStepHash: str(),
    pauseConditions: arr(obj({ reason: str(), startTime: time() }, ["reason", "startTime"])),
    controllerPause: bool(),
    abort: bool(),
    abortedAt: time(),
    promoteFull: bool(),
    replicas: int(),
    updatedReplicas: int(),
    readyReplicas: int(),
    availableReplicas: int(),
    HPAReplicas: int(),
    selector: str(),
    collisionCount: int(),
    restartedAt: time(),
    conditions: arr(condition()),
    canary: obj({
      weights: obj({
        canary: weightDestination(),
        stable: weightDestination(),
        additional: arr(anyObject()),
        verified: bool(),
      }),
      currentStepAnalysisRunStatus: analysisRunRef(),
      currentBackgroundAnalysisRunStatus: analysisRunRef(),
      currentExperiment: str(),
      stablePingPong: str(),
      stepPluginStatuses: arr(anyObject()),
    }),
    blueGreen: obj({
      activeSelector: str(),
      previewSelector: str(),
      scaleUpPreviewCheckPoint: bool(),
      prePromotionAnalysisRunStatus: analysisRunRef(),
      postPromotionAnalysisRunStatus: analysisRunRef(),
    }),
    alb: anyObject(),
    albs: arr(anyObject()),
    workloadObservedGeneration: str(),
    duration: anyObject(),
    sluice: obj({
      machine: obj({ machineVersion: int(), value: anyValue() }),
      analysisRound: int(),
      backgroundRestarts: int(),
      runRestarts: int(),
    }),
  });

/** The Rollout CRD; `podTemplate` is the schema generated from the API server (pod-template-spec.schema.json). */
export function rolloutCrd(podTemplate: Schema): Record<string, unknown> {
  return customResourceDefinition({
    group: GROUP,
    version: VERSION,
    kind: "Rollout",
    plural: "rollouts",
    singular: "rollout",
    shortNames: ["ro"],
    scope: "Namespaced",
    spec: obj({
      replicas: int(),
      selector: labelSelector(),
      template: podTemplate,
      workloadRef: obj({ apiVersion: str(), kind: str(), name: str(), scaleDown: str() }),
      minReadySeconds: int(),
      revisionHistoryLimit: int(),
      progressDeadlineSeconds: int(),
      progressDeadlineAbort: bool(),
      paused: bool(),
      restartAt: time(),
      rollbackWindow: obj({ revisions: int() }),
      analysis: obj({ successfulRunHistoryLimit: int(), unsuccessfulRunHistoryLimit: int() }),
      strategy: obj({ canary: canary(), blueGreen: blueGreen() }),
    }),
    status: status(),
    printerColumns: [
      { name: "Desired", type: "integer", jsonPath: ".spec.replicas", description: "Number of desired pods" },
      { name: "Current", type: "integer", jsonPath: ".status.replicas", description: "Total number of pods" },
      {
        name: "Up-to-date",
        type: "integer",
        jsonPath: ".status.updatedReplicas",
        description: "Pods of the current template",
      },
      {
        name: "Available",
        type: "integer",
        jsonPath: ".status.availableReplicas",
        description: "Available pods",
      },
      {
        name: "Phase",
        type: "string",
        jsonPath: ".status.phase",
        description: "Healthy, Progressing, Paused or Degraded",
      },
      {
        name: "Step",
        type: "integer",
        jsonPath: ".status.currentStepIndex",
        description: "Current canary step",
      },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.HPAReplicas",
      labelSelectorPath: ".status.selector",
    },
  });
}
