// What the app renderers read off an Application, in words (Argo CD's `argocd app` terms). Pure.
import type { Application } from "../../api/application.ts";
import { icon, type Style, type Tone } from "./style.ts";

export const IN_CLUSTER = "https://kubernetes.default.svc";

/** "abc1234" from a full SHA; other revisions as they are. */
export const shortRevision = (revision: string | undefined): string =>
  revision && /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : (revision ?? "");

/** "in-cluster/shop", "prod/shop" (destination.name), or the server URL's host. */
export function destinationText(app: Application): string {
  const destination = app.spec?.destination ?? {};
  let cluster = destination.name;
  if (!cluster && destination.server) {
    cluster = destination.server === IN_CLUSTER ? "in-cluster" : destination.server;
  }
  return `${cluster ?? "-"}/${destination.namespace ?? "-"}`;
}

/** "Manual", "Automated", "Automated (Prune, SelfHeal)", "Automated (disabled)". */
export function syncPolicyText(app: Application): string {
  const automated = app.spec?.syncPolicy?.automated;
  if (!automated) return "Manual";
  if (automated.enabled === false) return "Manual (automated disabled)";
  const flags = [automated.prune ? "Prune" : "", automated.selfHeal ? "SelfHeal" : ""].filter(Boolean);
  return flags.length > 0 ? `Automated (${flags.join(", ")})` : "Automated";
}

export const syncStatusOf = (app: Application): string => app.status?.sync?.status ?? "Unknown";

export const healthStatusOf = (app: Application): string => app.status?.health?.status ?? "Unknown";

/** One line of where the Application stands: "Synced Healthy at abc1234", with the health message. */
export function appStateLine(app: Application): string {
  const revision = shortRevision(app.status?.sync?.revision);
  const message = app.status?.health?.message;
  return [
    syncStatusOf(app),
    healthStatusOf(app),
    revision ? `at ${revision}` : "",
    message ? `- ${message}` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

/** One entry of `status.history`. */
export interface HistoryEntry {
  id: number;
  revision?: string;
  deployedAt?: string;
  deployStartedAt?: string;
  initiatedBy?: { username?: string; automated?: boolean };
}

export function historyOf(app: Application): HistoryEntry[] | undefined {
  const history = (app.status as { history?: unknown } | undefined)?.history;
  return Array.isArray(history) ? (history as HistoryEntry[]) : undefined;
}

const TONE: Record<string, Tone> = {
  Synced: "ok",
  Healthy: "ok",
  Succeeded: "ok",
  OutOfSync: "warning",
  Missing: "warning",
  Progressing: "progressing",
  Running: "progressing",
  Suspended: "paused",
  Degraded: "bad",
  Failed: "bad",
  Error: "bad",
};

/** "✔ Synced", "⚠ OutOfSync" on a terminal; the word alone when plain. */
export function appStatusText(style: Style, status: string): string {
  return style.symbols ? `${icon(style, TONE[status] ?? "unknown")} ${status}` : status;
}
