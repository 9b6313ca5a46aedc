// The analysis CRDs: AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun (Argo Rollouts'
// fields, structure and types only). Provider configs are unchecked objects: one per provider,
// many providers, validated in code where they are used.
import { GROUP, VERSION } from "../common.ts";
import {
  anyObject,
  arr,
  bool,
  customResourceDefinition,
  int,
  intOrString,
  obj,
  type Schema,
  str,
  stringMap,
  time,
} from "./schema.ts";

const metric = (): Schema =>
  obj(
    {
      name: str(),
      interval: str(),
      initialDelay: str(),
      count: intOrString(),
      successCondition: str(),
      failureCondition: str(),
      failureLimit: intOrString(),
      inconclusiveLimit: intOrString(),
      consecutiveErrorLimit: intOrString(),
      consecutiveSuccessLimit: intOrString(),
      provider: anyObject(),
    },
    ["name"],
  );

const templateSpec = (extra: Record<string, Schema> = {}): Schema =>
  obj({
    metrics: arr(metric()),
    args: arr(
      obj(
        {
          name: str(),
          value: str(),
          valueFrom: obj({
            secretKeyRef: obj({ name: str(), key: str() }, ["name", "key"]),
            fieldRef: obj({ fieldPath: str() }, ["fieldPath"]),
          }),
        },
        ["name"],
      ),
    ),
    dryRun: arr(obj({ metricName: str() }, ["metricName"])),
    measurementRetention: arr(obj({ metricName: str(), limit: int() }, ["metricName", "limit"])),
    templates: arr(obj({ templateName: str(), clusterScope: bool() })),
    ...extra,
  });

const measurement = (): Schema =>
  obj({
    phase: str(),
    message: str(),
    startedAt: time(),
    finishedAt: time(),
    resumeAt: time(),
    value: str(),
    metadata: stringMap(),
  });

const summary = (): Schema =>
  obj({ count: int(), successful: int(), failed: int(), inconclusive: int(), error: int() });

const runStatus = (): Schema =>
  obj({
    phase: str(),
    message: str(),
    startedAt: time(),
    completedAt: time(),
    runSummary: summary(),
    dryRunSummary: summary(),
    metricResults: arr(
      obj({
        name: str(),
        phase: str(),
        message: str(),
        measurements: arr(measurement()),
        count: int(),
        successful: int(),
        failed: int(),
        inconclusive: int(),
        error: int(),
        consecutiveError: int(),
        consecutiveSuccess: int(),
        dryRun: bool(),
        metadata: stringMap(),
      }),
    ),
  });

const age = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

export function analysisCrds(): Record<string, Record<string, unknown>> {
  const base = { group: GROUP, version: VERSION };
  return {
    "analysistemplate.yaml": customResourceDefinition({
      ...base,
      kind: "AnalysisTemplate",
      plural: "analysistemplates",
      singular: "analysistemplate",
      shortNames: ["at"],
      scope: "Namespaced",
      spec: templateSpec(),
      status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      printerColumns: [age],
    }),
    "clusteranalysistemplate.yaml": customResourceDefinition({
      ...base,
      kind: "ClusterAnalysisTemplate",
      plural: "clusteranalysistemplates",
      singular: "clusteranalysistemplate",
      shortNames: ["cat"],
      scope: "Cluster",
      spec: templateSpec(),
      status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      printerColumns: [age],
    }),
    "analysisrun.yaml": customResourceDefinition({
      ...base,
      kind: "AnalysisRun",
      plural: "analysisruns",
      singular: "analysisrun",
      shortNames: ["ar"],
      scope: "Namespaced",
      spec: templateSpec({
        terminate: bool(),
        ttlStrategy: obj({
          secondsAfterCompletion: int(),
          secondsAfterSuccess: int(),
          secondsAfterFailure: int(),
        }),
      }),
      status: runStatus(),
      printerColumns: [{ name: "Status", type: "string", jsonPath: ".status.phase" }, age],
    }),
  };
}
