// The Git core's Prometheus metrics, registered on the process's registry (the kernel's telemetry
// knows nothing about Applications). Names follow Argo CD's where one exists (argocd_app_info →
// sluice_app_info, argocd_app_sync_total → sluice_app_sync_total, argocd_git_request_total →
// sluice_git_request_total), with sluice_ in front (DESIGN.md §8). Repository URLs in labels carry
// no credentials.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Application } from "../api/application.ts";
import type { GitRequest } from "./source/repo-cache.ts";

type InfoLabels =
  | "namespace"
  | "name"
  | "project"
  | "repo"
  | "dest_namespace"
  | "sync_status"
  | "health_status";

/** A repository URL without user, password or token (https://user:token@host/x → https://host/x). */
export function safeRepoLabel(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    // scp-like ssh (git@host:org/repo): the user part names an account, not a secret.
    return url;
  }
}

export class GitopsMetrics {
  private readonly info: Gauge<InfoLabels>;
  private readonly syncs: Counter<"namespace" | "name" | "phase">;
  private readonly reconcile: Histogram;
  private readonly gitRequests: Counter<"repo" | "request" | "result">;
  private readonly gitDuration: Histogram<"request">;
  private readonly renderDuration: Histogram<"renderer" | "result">;
  private readonly infoSeries = new Map<string, Record<InfoLabels, string>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.info = new Gauge({
      name: "sluice_app_info",
      help: "1 for each Application, labelled with its repository, destination, sync and health status",
      labelNames: ["namespace", "name", "project", "repo", "dest_namespace", "sync_status", "health_status"],
      registers,
    });
    this.syncs = new Counter({
      name: "sluice_app_sync_total",
      help: "Syncs run, by Application and result phase (Succeeded, Failed)",
      labelNames: ["namespace", "name", "phase"],
      registers,
    });
    this.reconcile = new Histogram({
      name: "sluice_app_reconcile_seconds",
      help: "Time of one look at an Application (read Git, compare, sync, write status)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.gitRequests = new Counter({
      name: "sluice_git_request_total",
      help: "Requests to Git remotes, by repository, request (clone, fetch) and result (ok, error)",
      labelNames: ["repo", "request", "result"],
      registers,
    });
    this.gitDuration = new Histogram({
      name: "sluice_git_request_duration_seconds",
      help: "Duration of requests to Git remotes",
      labelNames: ["request"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.renderDuration = new Histogram({
      name: "sluice_render_duration_seconds",
      help: "Duration of rendering a source (directory, kustomize, helm), by result",
      labelNames: ["renderer", "result"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90],
      registers,
    });
  }

  rendered(renderer: string, seconds: number, ok: boolean): void {
    this.renderDuration.observe({ renderer, result: ok ? "ok" : "error" }, seconds);
  }

  /** Replaces an Application's info series with its current state. */
  application(app: Application): void {
    const key = `${app.metadata?.namespace}/${app.metadata?.name}`;
    this.forget(key);
    const labels: Record<InfoLabels, string> = {
      namespace: app.metadata?.namespace ?? "",
      name: app.metadata?.name ?? "",
      project: app.spec?.project ?? "default",
      repo: safeRepoLabel(app.spec?.source?.repoURL ?? ""),
      dest_namespace: app.spec?.destination?.namespace ?? "",
      sync_status: app.status?.sync?.status ?? "Unknown",
      health_status: app.status?.health?.status ?? "Unknown",
    };
    this.info.set(labels, 1);
    this.infoSeries.set(key, labels);
  }

  /** Drops the series of an Application that is gone. */
  forget(key: string): void {
    const labels = this.infoSeries.get(key);
    if (labels) this.info.remove(labels);
    this.infoSeries.delete(key);
  }

  synced(app: Application, phase: string): void {
    this.syncs.inc({ namespace: app.metadata?.namespace ?? "", name: app.metadata?.name ?? "", phase });
  }

  reconciled(seconds: number): void {
    this.reconcile.observe(seconds);
  }

  gitRequest(r: GitRequest): void {
    this.gitRequests.inc({ repo: safeRepoLabel(r.url), request: r.request, result: r.ok ? "ok" : "error" });
    this.gitDuration.observe({ request: r.request }, r.seconds);
  }
}
