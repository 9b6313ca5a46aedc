// The Rollout side's Prometheus metrics, named after the peer's (rollout_info,
// rollout_info_replicas_*) with sluice_ in front (DESIGN.md §8), so Argo Rollouts dashboards and
// queries carry over by renaming. The gauges are computed at scrape time from the Rollout
// informer's cache: no bookkeeping per reconcile, no API call per scrape, and a deleted Rollout's
// series are gone at the next scrape. A standby replica's cache is empty: only the leader reports.
// The one counter, of Events (the peer's rollout_events_total), is counted as they are recorded.
import { Counter, Gauge, type Registry } from "prom-client";
import type { Rollout, TrafficRouting } from "../api/rollout.ts";
import type { KubeObject } from "../kube/types.ts";
import type { EventType } from "../telemetry/events.ts";

export interface RolloutSeries {
  info: { namespace: string; name: string; strategy: string; traffic_router: string; phase: string };
  replicas: { desired: number; available: number; updated: number; unavailable: number };
  /** status.currentStepIndex; undefined for blue/green and canaries without steps. */
  stepIndex: number | undefined;
  /** How many canary steps the spec has; undefined for blue/green. */
  steps: number | undefined;
  /** The canary weight sluice last set on the traffic router (status.canary.weights). */
  canaryWeight: number | undefined;
  /** status.abort: the update was aborted and the stable version serves everything. */
  aborted: boolean;
}

/** Names of the configured routers, as the peer prints its built-ins (Nginx, Istio, SMI, …). */
const ROUTER_NAMES: [keyof TrafficRouting, string][] = [
  ["nginx", "Nginx"],
  ["istio", "Istio"],
  ["gatewayAPI", "GatewayAPI"],
  ["alb", "ALB"],
  ["smi", "SMI"],
  ["ambassador", "Ambassador"],
  ["appMesh", "AppMesh"],
  ["traefik", "Traefik"],
  ["apisix", "Apisix"],
];

function trafficRouter(routing: TrafficRouting | undefined): string {
  if (!routing) return "";
  const names = ROUTER_NAMES.filter(([key]) => routing[key] !== undefined).map(([, name]) => name);
  // Plugins by their own name (argoproj-labs/gatewayAPI); the built-in gatewayAPI key is its alias.
  for (const plugin of Object.keys(routing.plugins ?? {}))
    if (plugin === "argoproj-labs/gatewayAPI") {
      if (!names.includes("GatewayAPI")) names.push("GatewayAPI");
    } else names.push(plugin);
  return names.join(",");
}

/**
 * The phase a user sees: a spec change the controller has not looked at yet is Progressing (as
 * the peer's clients read it), not the phase of the previous spec.
 */
function phaseOf(rollout: Rollout): string {
  const observed = rollout.status?.observedGeneration;
  if (observed === undefined || observed !== rollout.metadata?.generation) return "Progressing";
  return rollout.status?.phase ?? "Progressing";
}

/** What the gauges say about one Rollout (pure: the informer's object in, label sets and values out). */
export function rolloutSeries(rollout: Rollout): RolloutSeries {
  const { spec = {}, status = {} } = rollout;
  const canary = spec.strategy?.canary;
  const strategy = canary ? "canary" : spec.strategy?.blueGreen ? "blueGreen" : "none";
  const available = status.availableReplicas ?? 0;
  return {
    info: {
      namespace: rollout.metadata?.namespace ?? "",
      name: rollout.metadata?.name ?? "",
      strategy,
      traffic_router: trafficRouter(canary?.trafficRouting),
      phase: phaseOf(rollout),
    },
    replicas: {
      desired: spec.replicas ?? 1,
      available,
      updated: status.updatedReplicas ?? 0,
      unavailable: Math.max(0, (status.replicas ?? 0) - available),
    },
    stepIndex: canary?.steps?.length ? status.currentStepIndex : undefined,
    steps: canary ? (canary.steps?.length ?? 0) : undefined,
    canaryWeight: canary ? status.canary?.weights?.canary.weight : undefined,
    aborted: status.abort === true,
  };
}

interface PerRollout {
  name: string;
  help: string;
  labelNames: ["namespace", "name"];
  /** The value from the series; undefined: no sample for this Rollout. */
  pick: (s: RolloutSeries) => number | undefined;
}

/** Registers the scrape-time gauges on the process's registry, reading Rollouts from `list`. */
export function registerRolloutMetrics(registry: Registry, list: () => Iterable<Rollout>): void {
  const registers = [registry];
  const perRollout = ({ pick, ...config }: PerRollout) =>
    new Gauge<"namespace" | "name">({
      ...config,
      registers,
      collect() {
        this.reset();
        for (const rollout of list()) {
          const series = rolloutSeries(rollout);
          const value = pick(series);
          if (value !== undefined)
            this.set({ namespace: series.info.namespace, name: series.info.name }, value);
        }
      },
    });
  new Gauge<keyof RolloutSeries["info"]>({
    name: "sluice_rollout_info",
    help: "1 for each Rollout, labelled with its strategy, traffic router and phase (Healthy, Progressing, Paused, Degraded)",
    labelNames: ["namespace", "name", "strategy", "traffic_router", "phase"],
    registers,
    collect() {
      this.reset();
      for (const rollout of list()) this.set(rolloutSeries(rollout).info, 1);
    },
  });
  // labelNames spelled out in each: test/unit/chart.test.ts reads registrations from the source.
  perRollout({
    name: "sluice_rollout_info_replicas_desired",
    help: "Replicas the Rollout's spec asks for",
    labelNames: ["namespace", "name"],
    pick: (s) => s.replicas.desired,
  });
  perRollout({
    name: "sluice_rollout_info_replicas_available",
    help: "Available pods of the Rollout (all its ReplicaSets)",
    labelNames: ["namespace", "name"],
    pick: (s) => s.replicas.available,
  });
  perRollout({
    name: "sluice_rollout_info_replicas_updated",
    help: "Pods of the Rollout running the current pod template",
    labelNames: ["namespace", "name"],
    pick: (s) => s.replicas.updated,
  });
  perRollout({
    name: "sluice_rollout_info_replicas_unavailable",
    help: "Pods of the Rollout that are not available",
    labelNames: ["namespace", "name"],
    pick: (s) => s.replicas.unavailable,
  });
  perRollout({
    name: "sluice_rollout_step_index",
    help: "The canary step the Rollout is at (status.currentStepIndex; equals sluice_rollout_steps when done)",
    labelNames: ["namespace", "name"],
    pick: (s) => s.stepIndex,
  });
  perRollout({
    name: "sluice_rollout_steps",
    help: "How many steps the Rollout's canary strategy has",
    labelNames: ["namespace", "name"],
    pick: (s) => s.steps,
  });
  perRollout({
    name: "sluice_rollout_canary_weight",
    help: "Percent of traffic sent to the canary, as last set by the controller (status.canary.weights)",
    labelNames: ["namespace", "name"],
    pick: (s) => s.canaryWeight,
  });
  perRollout({
    name: "sluice_rollout_aborted",
    help: "1 while the Rollout's update is aborted (status.abort), else 0",
    labelNames: ["namespace", "name"],
    pick: (s) => (s.aborted ? 1 : 0),
  });
}

type EventLabels = "namespace" | "name" | "type" | "reason";

/**
 * sluice_rollout_events_total: the Events the Rollout controller records, by Rollout, type and
 * reason (RolloutAborted counts aborts). A deleted Rollout's series are dropped with it.
 */
export class RolloutEventCounter {
  private readonly events: Counter<EventLabels>;
  private readonly seen = new Map<string, Map<string, Record<EventLabels, string>>>();

  constructor(registry: Registry) {
    this.events = new Counter({
      name: "sluice_rollout_events_total",
      help: "Events recorded about Rollouts, by type and reason (RolloutAborted, RolloutCompleted, RolloutStepCompleted, …)",
      labelNames: ["namespace", "name", "type", "reason"],
      registers: [registry],
    });
  }

  counted(object: KubeObject, type: EventType, reason: string): void {
    const labels = {
      namespace: object.metadata?.namespace ?? "",
      name: object.metadata?.name ?? "",
      type,
      reason,
    };
    this.events.inc(labels);
    const key = `${labels.namespace}/${labels.name}`;
    const series = this.seen.get(key) ?? new Map<string, Record<EventLabels, string>>();
    series.set(`${type}/${reason}`, labels);
    this.seen.set(key, series);
  }

  /** Drops the series of a Rollout that is gone (`key`: namespace/name). */
  forget(key: string): void {
    for (const labels of this.seen.get(key)?.values() ?? []) this.events.remove(labels);
    this.seen.delete(key);
  }
}
