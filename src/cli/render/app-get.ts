// `kubectl sluice app get NAME`: Argo CD's `argocd app get` layout (../shared/reference/ecosystem.md
// §1.6.6) — source, destination, sync and health with their messages, the revision (and its commit
// subject when the CLI could read it), conditions, the last operation, then one row per object
// (GROUP KIND NAMESPACE NAME STATUS HEALTH MESSAGE). Pure: Application + now → text.
import type { Application, ResourceStatus } from "../../api/application.ts";
import { age } from "./age.ts";
import {
  appStatusText,
  destinationText,
  healthStatusOf,
  shortRevision,
  syncPolicyText,
  syncStatusOf,
} from "./app-info.ts";
import type { Style } from "./style.ts";
import { formatTable } from "./table.ts";

export interface AppGetExtras {
  /** The revision's commit subject, when the CLI could read the repository. */
  subject?: string | undefined;
}

const LABEL_WIDTH = 18;
const field = (label: string, value: string) => `${label.padEnd(LABEL_WIDTH)}${value}`.trimEnd();

/** "2026-03-01T11:58:00Z (2m ago)". */
const when = (time: string | undefined, now: Date) => (time ? `${time} (${age(time, now)} ago)` : "-");

function syncLine(app: Application, style: Style): string {
  const status = syncStatusOf(app);
  const target = app.spec?.source?.targetRevision || "HEAD";
  const revision = shortRevision(app.status?.sync?.revision);
  const where = status === "Synced" ? "to" : "from";
  return `${appStatusText(style, status)} ${where} ${target}${revision ? ` (${revision})` : ""}`;
}

function header(app: Application, now: Date, style: Style, extras: AppGetExtras): string[] {
  const source = app.spec?.source ?? {};
  const health = app.status?.health;
  const revision = app.status?.sync?.revision;
  const lines = [
    field("Name:", app.metadata?.name ?? ""),
    field("Namespace:", app.metadata?.namespace ?? ""),
    field("Project:", app.spec?.project ?? "-"),
    field("Destination:", destinationText(app)),
    field("Repo:", source.repoURL ?? "-"),
    field("Target:", source.targetRevision || "HEAD"),
    field("Path:", source.path || "-"),
    field("Sync Policy:", syncPolicyText(app)),
    field("Sync Status:", syncLine(app, style)),
    field(
      "Health Status:",
      `${appStatusText(style, healthStatusOf(app))}${health?.message ? ` - ${health.message}` : ""}`,
    ),
  ];
  if (revision) lines.push(field("Revision:", extras.subject ? `${revision} "${extras.subject}"` : revision));
  if (app.status?.reconciledAt) lines.push(field("Reconciled:", when(app.status.reconciledAt, now)));
  return lines;
}

function conditions(app: Application, now: Date): string[] {
  const list = app.status?.conditions ?? [];
  if (list.length === 0) return [];
  const rows = list.map((c) => [c.type, c.message ?? "", age(c.lastTransitionTime, now) || "-"]);
  return ["", ...formatTable([["CONDITION", "MESSAGE", "AGE"], ...rows])];
}

const initiator = (by: Record<string, unknown> | undefined): string => {
  if (!by) return "";
  if (typeof by.username === "string") return ` (initiated by ${by.username})`;
  return by.automated ? " (automated)" : "";
};

function operation(app: Application, now: Date): string[] {
  const lines: string[] = [];
  const pending = app.operation;
  if (pending) {
    const revision = pending.sync?.revision ? ` to ${pending.sync.revision}` : "";
    const prune = pending.sync?.prune ? " with prune" : "";
    const by = pending.initiatedBy?.username;
    lines.push(
      "",
      field("Operation:", `Sync${revision}${prune} requested${typeof by === "string" ? ` by ${by}` : ""}`),
      field("  Phase:", "waiting for the controller"),
    );
  }
  const last = app.status?.operationState;
  if (!last) return lines;
  const revision = shortRevision(last.syncResult?.revision ?? last.operation?.sync?.revision);
  lines.push(
    "",
    field(
      "Last Operation:",
      `Sync${revision ? ` to ${revision}` : ""}${initiator(last.operation?.initiatedBy)}`,
    ),
    field("  Phase:", last.phase),
  );
  if (last.message) lines.push(field("  Message:", last.message));
  if (last.retryCount) lines.push(field("  Retries:", String(last.retryCount)));
  lines.push(
    field("  Started:", when(last.startedAt, now)),
    field("  Finished:", when(last.finishedAt, now)),
  );
  return lines;
}

function resourceMessage(r: ResourceStatus): string {
  const parts = [r.requiresPruning ? "requires pruning" : "", r.message ?? "", r.health?.message ?? ""];
  return parts.filter(Boolean).join("; ");
}

function resources(app: Application, style: Style): string[] {
  const list = app.status?.resources ?? [];
  if (list.length === 0) return ["", "No resources."];
  const rows = list.map((r) => [
    r.group,
    r.kind,
    r.namespace ?? "",
    r.name,
    r.status ? appStatusText(style, r.status) : r.hook ? "hook" : "",
    r.health ? appStatusText(style, r.health.status) : "",
    resourceMessage(r),
  ]);
  return [
    "",
    ...formatTable([["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "MESSAGE"], ...rows]),
  ];
}

export function renderAppGet(app: Application, now: Date, style: Style, extras: AppGetExtras = {}): string {
  const lines = [
    ...header(app, now, style, extras),
    ...conditions(app, now),
    ...operation(app, now),
    ...resources(app, style),
  ];
  return `${lines.join("\n")}\n`;
}
