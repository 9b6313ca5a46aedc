// The status word of each object in the tree, as kubectl and the peer's plugin show it. Pure.
import type { AnalysisRun, ContainerStatus, Pod, ReplicaSet } from "./objects.ts";

export function replicaSetStatus(rs: ReplicaSet): string {
  const generation = rs.metadata?.generation ?? 0;
  if (generation > (rs.status?.observedGeneration ?? 0)) return "Progressing";
  const failure = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure) return "ReplicaFailure";
  const desired = rs.spec?.replicas ?? 0;
  if ((rs.status?.availableReplicas ?? 0) < desired) return "Progressing";
  return desired === 0 ? "ScaledDown" : "Healthy";
}

function containerReason(status: ContainerStatus): string | undefined {
  const { waiting, terminated } = status.state ?? {};
  if (waiting?.reason) return waiting.reason;
  if (terminated) {
    if (terminated.reason) return terminated.reason;
    return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
  }
  return undefined;
}

function initReason(pod: Pod): string | undefined {
  const inits = pod.status?.initContainerStatuses ?? [];
  for (const [i, status] of inits.entries()) {
    const { waiting, terminated } = status.state ?? {};
    if (terminated && terminated.exitCode === 0) continue;
    if (terminated) return `Init:${terminated.reason ?? `ExitCode:${terminated.exitCode ?? 0}`}`;
    if (waiting?.reason && waiting.reason !== "PodInitializing") return `Init:${waiting.reason}`;
    return `Init:${i}/${inits.length}`;
  }
  return undefined;
}

/** kubectl's STATUS column, simplified: Terminating, Init:*, a container's waiting or exit reason, or the phase. */
export function podStatus(pod: Pod): string {
  if (pod.metadata?.deletionTimestamp) return "Terminating";
  const init = initReason(pod);
  if (init) return init;
  // The last container with a reason wins, as in kubectl.
  const reasons = (pod.status?.containerStatuses ?? []).map(containerReason).filter((r) => r !== undefined);
  return reasons.at(-1) ?? pod.status?.reason ?? pod.status?.phase ?? "Unknown";
}

/** "ready:1/1" plus ",restarts:N" when a container restarted. */
export function podInfo(pod: Pod): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  const ready = statuses.filter((s) => s.ready).length;
  const restarts = statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  return restarts > 0 ? `ready:${ready}/${total},restarts:${restarts}` : `ready:${ready}/${total}`;
}

export interface MeasurementCounts {
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}

/** Measurements of all metrics of a run, by outcome. */
export function measurementCounts(run: AnalysisRun): MeasurementCounts {
  const counts = { successful: 0, failed: 0, inconclusive: 0, error: 0 };
  for (const result of run.status?.metricResults ?? []) {
    counts.successful += result.successful ?? 0;
    counts.failed += result.failed ?? 0;
    counts.inconclusive += result.inconclusive ?? 0;
    counts.error += result.error ?? 0;
  }
  return counts;
}
