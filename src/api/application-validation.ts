// What sluice checks of an Application before touching Git or the cluster: a source it can read
// now (a Git repo with a directory of manifests, a kustomization or a local Helm chart), the
// in-cluster destination, project `default`; every Argo CD field it does not implement yet is named
// "not supported yet", never ignored.
import type { Application } from "./application.ts";
import { DurationError, parseDuration } from "./duration.ts";

export interface AppProblem {
  path: string;
  message: string;
}

const IN_CLUSTER = new Set(["https://kubernetes.default.svc", "https://kubernetes.default.svc/"]);

/** Fields of Argo CD's Application that sluice does not act on yet. */
const NOT_YET: [string, (a: Application) => unknown][] = [
  ["spec.sources", (a) => a.spec?.sources],
  ["spec.source.chart", (a) => a.spec?.source?.chart],
  ["spec.source.plugin", (a) => a.spec?.source?.plugin],
  ["spec.source.directory.jsonnet", (a) => a.spec?.source?.directory?.jsonnet],
  ["spec.sourceHydrator", (a) => a.spec?.sourceHydrator],
];

/** The `source.kustomize` and `source.helm` fields sluice's renderers act on; others are named. */
const RENDER_FIELDS = {
  kustomize: new Set([
    "namePrefix",
    "nameSuffix",
    "images",
    "commonLabels",
    "commonAnnotations",
    "forceCommonLabels",
    "forceCommonAnnotations",
    "labelWithoutSelector",
    "labelIncludeTemplates",
    "namespace",
    "replicas",
  ]),
  helm: new Set([
    "releaseName",
    "namespace",
    "valueFiles",
    "ignoreMissingValueFiles",
    "values",
    "valuesObject",
    "parameters",
    "skipCrds",
    "skipSchemaValidation",
  ]),
};

function renderProblems(app: Application): AppProblem[] {
  const source = app.spec?.source ?? {};
  const problems: AppProblem[] = [];
  const types = (["directory", "kustomize", "helm"] as const).filter((t) => source[t] !== undefined);
  if (types.length > 1)
    problems.push({ path: "spec.source", message: `only one of ${types.join(", ")} may be set` });
  for (const type of ["kustomize", "helm"] as const)
    for (const field of Object.keys(source[type] ?? {}))
      if (!RENDER_FIELDS[type].has(field)) {
        const path = `spec.source.${type}.${field}`;
        problems.push({ path, message: `${path} is not supported yet` });
      }
  return problems;
}

function destinationProblems(app: Application): AppProblem[] {
  const destination = app.spec?.destination;
  const problems: AppProblem[] = [];
  if (!destination?.namespace) problems.push({ path: "spec.destination.namespace", message: "is required" });
  const server = destination?.server;
  const name = destination?.name;
  if (server && !IN_CLUSTER.has(server))
    problems.push({
      path: "spec.destination.server",
      message: `only https://kubernetes.default.svc is supported, got "${server}"`,
    });
  if (name && name !== "in-cluster")
    problems.push({ path: "spec.destination.name", message: `only in-cluster is supported, got "${name}"` });
  return problems;
}

/** Sync options sluice acts on (app level or per object); others are named, never ignored. */
const SYNC_OPTIONS = new Set([
  "Prune=false",
  "PruneLast=true",
  "CreateNamespace=true",
  "ServerSideApply=true",
  "Validate=true",
  "Validate=false",
  "Replace=true",
  "ApplyOutOfSyncOnly=true",
  "FailOnSharedResource=true",
  "RespectIgnoreDifferences=true",
]);

function syncOptionProblems(path: string, options: string[] | undefined): AppProblem[] {
  return (options ?? []).flatMap((option, i) =>
    SYNC_OPTIONS.has(option)
      ? []
      : [{ path: `${path}[${i}]`, message: `sync option "${option}" is not supported yet` }],
  );
}

function durationProblem(path: string, value: unknown): AppProblem[] {
  if (value === undefined) return [];
  try {
    parseDuration(value as string | number, path);
    return [];
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    return [{ path, message: error.message }];
  }
}

function retryProblems(retry: Record<string, unknown> | undefined): AppProblem[] {
  if (!retry) return [];
  const path = "spec.syncPolicy.retry";
  const backoff = (retry.backoff ?? {}) as Record<string, unknown>;
  const limitOk =
    retry.limit === undefined || (Number.isInteger(retry.limit) && (retry.limit as number) >= -1);
  const factorOk =
    backoff.factor === undefined || (typeof backoff.factor === "number" && backoff.factor >= 1);
  return [
    ...(limitOk
      ? []
      : [{ path: `${path}.limit`, message: "must be an integer ≥ -1 (-1: retry without end)" }]),
    ...durationProblem(`${path}.backoff.duration`, backoff.duration),
    ...durationProblem(`${path}.backoff.maxDuration`, backoff.maxDuration),
    ...(factorOk ? [] : [{ path: `${path}.backoff.factor`, message: "must be a number ≥ 1" }]),
  ];
}

export function validateApplication(app: Application): AppProblem[] {
  const problems: AppProblem[] = [];
  const project = app.spec?.project ?? "default";
  if (project !== "default")
    problems.push({
      path: "spec.project",
      message: `only the default project is supported, got "${project}"`,
    });
  if (!app.spec?.source?.repoURL && !app.spec?.sources)
    problems.push({ path: "spec.source.repoURL", message: "is required" });
  problems.push(...destinationProblems(app));
  problems.push(...renderProblems(app));
  problems.push(...syncOptionProblems("spec.syncPolicy.syncOptions", app.spec?.syncPolicy?.syncOptions));
  problems.push(...retryProblems(app.spec?.syncPolicy?.retry));
  problems.push(...syncOptionProblems("operation.sync.syncOptions", app.operation?.sync?.syncOptions));
  for (const [path, present] of NOT_YET)
    if (present(app)) problems.push({ path, message: `${path} is not supported yet` });
  return problems;
}
