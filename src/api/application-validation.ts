// What sluice checks of an Application before touching Git or the cluster: a source it can read
// now (a Git repo with a directory of manifests), the in-cluster destination, project `default`;
// every Argo CD field it does not implement yet is named "not supported yet", never ignored.
import type { Application } from "./application.ts";

export interface AppProblem {
  path: string;
  message: string;
}

const IN_CLUSTER = new Set(["https://kubernetes.default.svc", "https://kubernetes.default.svc/"]);

/** Fields of Argo CD's Application that sluice does not act on yet. */
const NOT_YET: [string, (a: Application) => unknown][] = [
  ["spec.sources", (a) => a.spec?.sources],
  ["spec.source.chart", (a) => a.spec?.source?.chart],
  ["spec.source.kustomize", (a) => a.spec?.source?.kustomize],
  ["spec.source.helm", (a) => a.spec?.source?.helm],
  ["spec.source.plugin", (a) => a.spec?.source?.plugin],
  ["spec.source.directory.jsonnet", (a) => a.spec?.source?.directory?.jsonnet],
  ["spec.syncPolicy.automated.prune", (a) => a.spec?.syncPolicy?.automated?.prune],
  ["spec.syncPolicy.automated.selfHeal", (a) => a.spec?.syncPolicy?.automated?.selfHeal],
  ["spec.syncPolicy.syncOptions", (a) => a.spec?.syncPolicy?.syncOptions?.length],
  ["spec.syncPolicy.retry", (a) => a.spec?.syncPolicy?.retry],
  ["spec.ignoreDifferences", (a) => a.spec?.ignoreDifferences?.length],
  ["spec.sourceHydrator", (a) => a.spec?.sourceHydrator],
  ["operation.sync.prune", (a) => a.operation?.sync?.prune],
];

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
  for (const [path, present] of NOT_YET)
    if (present(app)) problems.push({ path, message: `${path} is not supported yet` });
  return problems;
}
