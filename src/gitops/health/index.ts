// Health of live objects, as Argo CD judges them (gitops-engine's built-in checks, read for their
// rules): per kind for the workloads and networking kinds users deploy, the Rollout's phase for
// Rollouts, generic Ready/Stalled conditions for other kinds, and the Application's health as the
// worst of its objects'. Pure.
import type { KubeObject } from "../../kube/types.ts";

export type HealthStatus = "Healthy" | "Suspended" | "Progressing" | "Missing" | "Degraded" | "Unknown";

export interface Health {
  status: HealthStatus;
  message?: string;
}

interface Live extends KubeObject {
  spec?: Record<string, unknown> & { replicas?: number; paused?: boolean; suspend?: boolean; type?: string };
  status?: Record<string, unknown> & {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    phase?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    loadBalancer?: { ingress?: unknown[] };
    currentNumberScheduled?: number;
    desiredNumberScheduled?: number;
    numberAvailable?: number;
    updatedNumberScheduled?: number;
  };
}

const ORDER: HealthStatus[] = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"];

/** The worst of several healths (an Application's health); Healthy when there is none. */
export function worst(healths: Health[]): Health {
  return healths.reduce<Health>((a, b) => (ORDER.indexOf(b.status) > ORDER.indexOf(a.status) ? b : a), {
    status: "Healthy",
  });
}

const condition = (o: Live, type: string) => o.status?.conditions?.find((c) => c.type === type);
const progressing = (message: string): Health => ({ status: "Progressing", message });

function generationSeen(o: Live): Health | undefined {
  const seen = o.status?.observedGeneration;
  if (o.metadata?.generation !== undefined && seen !== undefined && seen < o.metadata.generation)
    return progressing("Waiting for the controller to observe the latest generation");
  return undefined;
}

function deploymentHealth(o: Live): Health {
  if (o.spec?.paused) return { status: "Suspended", message: "Deployment is paused" };
  const deadline = condition(o, "Progressing");
  if (deadline?.reason === "ProgressDeadlineExceeded")
    return { status: "Degraded", message: deadline.message ?? "progress deadline exceeded" };
  const replicas = o.spec?.replicas ?? 1;
  const s = o.status ?? {};
  if ((s.updatedReplicas ?? 0) < replicas)
    return progressing(`${s.updatedReplicas ?? 0} of ${replicas} updated replicas`);
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0))
    return progressing("old replicas are pending termination");
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0))
    return progressing(`${s.availableReplicas ?? 0} of ${replicas} available`);
  return { status: "Healthy" };
}

function replicatedHealth(o: Live): Health {
  const replicas = o.spec?.replicas ?? 1;
  const ready = o.status?.readyReplicas ?? o.status?.availableReplicas ?? 0;
  return ready < replicas ? progressing(`${ready} of ${replicas} ready`) : { status: "Healthy" };
}

function daemonSetHealth(o: Live): Health {
  const s = o.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired || (s.numberAvailable ?? 0) < desired)
    return progressing(`${s.numberAvailable ?? 0} of ${desired} available`);
  return { status: "Healthy" };
}

function podHealth(o: Live): Health {
  const phase = o.status?.phase;
  if (phase === "Succeeded") return { status: "Healthy", message: "completed" };
  if (phase === "Failed") return { status: "Degraded", message: o.status?.message ?? "pod failed" };
  if (phase === "Running" && condition(o, "Ready")?.status === "True") return { status: "Healthy" };
  return progressing(`pod is ${phase ?? "pending"}`);
}

function jobHealth(o: Live): Health {
  if (condition(o, "Complete")?.status === "True") return { status: "Healthy", message: "job completed" };
  const failed = condition(o, "Failed");
  if (failed?.status === "True") return { status: "Degraded", message: failed.message ?? "job failed" };
  if (o.spec?.suspend) return { status: "Suspended", message: "job is suspended" };
  return progressing("job is running");
}

const loadBalanced = (o: Live): Health =>
  (o.status?.loadBalancer?.ingress?.length ?? 0) > 0
    ? { status: "Healthy" }
    : progressing("waiting for an address");

function pvcHealth(o: Live): Health {
  if (o.status?.phase === "Bound") return { status: "Healthy" };
  if (o.status?.phase === "Lost") return { status: "Degraded", message: "the claim lost its volume" };
  return progressing(`claim is ${o.status?.phase ?? "pending"}`);
}

function rolloutHealth(o: Live): Health {
  const message = o.status?.message ? { message: String(o.status.message) } : {};
  switch (o.status?.phase) {
    case "Healthy":
      return { status: "Healthy", ...message };
    case "Paused":
      return { status: "Suspended", ...message };
    case "Degraded":
      return { status: "Degraded", ...message };
    default:
      return { status: "Progressing", ...message };
  }
}

// Argo CD's HPA rules (gitops-engine health_hpa.go): the first condition that names a failure is
// Degraded, the first that names a settled scale is Healthy; otherwise it waits to autoscale.
const HPA_DEGRADED = new Set([
  "AbleToScale/FailedGetScale",
  "AbleToScale/FailedUpdateScale",
  "ScalingActive/FailedGetResourceMetric",
  "ScalingActive/InvalidSelector",
]);
const HPA_HEALTHY = new Set([
  "AbleToScale/SucceededRescale",
  "ScalingLimited/DesiredWithinRange",
  "ScalingLimited/TooFewReplicas",
  "ScalingLimited/TooManyReplicas",
]);

function hpaHealth(o: Live): Health {
  for (const c of o.status?.conditions ?? []) {
    const key = `${c.type}/${c.reason}`;
    if (HPA_DEGRADED.has(key)) return { status: "Degraded", message: c.message ?? key };
    if (HPA_HEALTHY.has(key)) return { status: "Healthy", ...(c.message ? { message: c.message } : {}) };
  }
  return progressing("Waiting to Autoscale");
}

/** Generic kinds: a Stalled or not-Ready condition says so; otherwise nothing says it is unwell. */
function conditionsHealth(o: Live): Health {
  const stalled = condition(o, "Stalled");
  if (stalled?.status === "True") return { status: "Degraded", message: stalled.message ?? "stalled" };
  const ready = condition(o, "Ready");
  if (ready?.status === "False") return progressing(ready.message ?? "not ready");
  return { status: "Healthy" };
}

const BY_KIND: Record<string, (o: Live) => Health> = {
  "apps/Deployment": deploymentHealth,
  "apps/StatefulSet": replicatedHealth,
  "apps/ReplicaSet": replicatedHealth,
  "apps/DaemonSet": daemonSetHealth,
  "/Pod": podHealth,
  "batch/Job": jobHealth,
  "/PersistentVolumeClaim": pvcHealth,
  "networking.k8s.io/Ingress": loadBalanced,
  "autoscaling/HorizontalPodAutoscaler": hpaHealth,
  "sluice.dev/Rollout": rolloutHealth,
  "argoproj.io/Rollout": rolloutHealth,
};

/** The health of one live object (undefined: it does not exist). */
export function healthOf(group: string, live: KubeObject | undefined): Health {
  if (!live) return { status: "Missing" };
  const o = live as Live;
  if (o.kind === "Service") return o.spec?.type === "LoadBalancer" ? loadBalanced(o) : { status: "Healthy" };
  const check = BY_KIND[`${group}/${o.kind}`];
  if (!check) return conditionsHealth(o);
  return generationSeen(o) ?? check(o);
}
