// `kubectl sluice app list`: Argo CD's `argocd app list` in kubectl's shape — NAME SYNC HEALTH
// REVISION REPO PATH DESTINATION AGE, NAMESPACE first with -A, and with -o wide the project, target
// revision, sync policy and conditions. Pure.
import type { Application } from "../../api/application.ts";
import { age } from "./age.ts";
import { destinationText, healthStatusOf, shortRevision, syncPolicyText, syncStatusOf } from "./app-info.ts";
import { formatTable } from "./table.ts";

export interface AppListOptions {
  allNamespaces: boolean;
  wide: boolean;
}

const HEADER = ["NAME", "SYNC", "HEALTH", "REVISION", "REPO", "PATH", "DESTINATION", "AGE"];
const WIDE = ["PROJECT", "TARGET", "SYNCPOLICY", "CONDITIONS"];

function row(app: Application, now: Date, options: AppListOptions): string[] {
  const source = app.spec?.source ?? {};
  const cells = [
    app.metadata?.name ?? "",
    syncStatusOf(app),
    healthStatusOf(app),
    shortRevision(app.status?.sync?.revision) || "-",
    source.repoURL ?? "-",
    source.path || "-",
    destinationText(app),
    age(app.metadata?.creationTimestamp, now),
  ];
  if (options.allNamespaces) cells.unshift(app.metadata?.namespace ?? "");
  if (options.wide) {
    const conditions = (app.status?.conditions ?? []).map((c) => c.type).join(",");
    cells.push(
      app.spec?.project ?? "-",
      source.targetRevision || "HEAD",
      syncPolicyText(app),
      conditions || "<none>",
    );
  }
  return cells;
}

export function renderAppList(apps: Application[], now: Date, options: AppListOptions): string {
  const header = [...(options.allNamespaces ? ["NAMESPACE"] : []), ...HEADER, ...(options.wide ? WIDE : [])];
  const sorted = [...apps].sort(
    (a, b) =>
      (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  return `${formatTable([header, ...sorted.map((a) => row(a, now, options))]).join("\n")}\n`;
}
