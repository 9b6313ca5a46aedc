// The panels of the shipped Grafana dashboard, by row (test/tools/dashboard.ts lays them out).
// Per-object panels filter on $namespace (the Rollout's, AnalysisRun's or Application's namespace,
// as sluice labels its series); controller panels do not (their namespace label is the controller
// pod's, added by Prometheus).

const NS = 'namespace=~"$namespace"';
const RATE = "$__rate_interval";

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  type: "timeseries" | "stat" | "table" | "state-timeline";
  queries: Query[];
  /** Width in grid columns (of 24); height defaults to 8. */
  w: number;
  h?: number;
  unit?: string;
  min?: number;
  max?: number;
  /** Value → text and colour (state timelines, stats). */
  mappings?: Record<string, [string, string]>;
  /** From this value up the stat turns red (nothing: Grafana's default green/red at 80). */
  redFrom?: number;
  stack?: boolean;
}

export type Section = [title: string, panels: PanelSpec[]];

/** The rollout phases as numbers, so one state-timeline row per Rollout shows its phase over time. */
const PHASES: [string, string][] = [
  ["Healthy", "green"],
  ["Progressing", "blue"],
  ["Paused", "yellow"],
  ["Degraded", "red"],
];
const phaseTimeline = PHASES.map(
  ([phase], i) => `max by (namespace, name) (sluice_rollout_info{${NS}, phase="${phase}"}) * ${i + 1}`,
).join(" or ");

const quantiles = (metric: string, by: string, filter = ""): Query[] =>
  ["0.5", "0.99"].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket${filter}[${RATE}])))`,
    legend: `{{${by}}} p${Number(q) * 100}`,
  }));

export const rollouts: Section = [
  "Rollouts",
  [
    {
      title: "Rollouts by phase",
      description: "How many Rollouts are in each phase now (sluice_rollout_info).",
      type: "stat",
      w: 6,
      queries: [{ expr: `count by (phase) (sluice_rollout_info{${NS}})`, legend: "{{phase}}" }],
    },
    {
      title: "Aborted rollouts",
      description:
        "Rollouts whose update is aborted (status.abort): stable serves all traffic. `kubectl sluice get rollout NAME` says why; `kubectl sluice retry rollout NAME` tries again.",
      type: "stat",
      w: 4,
      queries: [{ expr: `sum(sluice_rollout_aborted{${NS}}) or vector(0)` }],
      mappings: { "0": ["none", "green"] },
      redFrom: 1,
    },
    {
      title: "Rollout phase",
      description:
        "Each Rollout's phase over time: Healthy, Progressing, Paused (a pause step or a manual pause), Degraded (aborted, progress deadline, invalid spec).",
      type: "state-timeline",
      w: 14,
      queries: [{ expr: phaseTimeline, legend: "{{namespace}}/{{name}}" }],
      mappings: Object.fromEntries(PHASES.map(([phase, colour], i) => [String(i + 1), [phase, colour]])),
    },
    {
      title: "Canary weight",
      description:
        "Percent of traffic sent to the canary, as the controller last set it on the traffic router (status.canary.weights).",
      type: "timeseries",
      w: 12,
      unit: "percent",
      min: 0,
      max: 100,
      queries: [
        {
          expr: `max by (namespace, name) (sluice_rollout_canary_weight{${NS}})`,
          legend: "{{namespace}}/{{name}}",
        },
      ],
    },
    {
      title: "Current step",
      description:
        "The canary step each Rollout is at (status.currentStepIndex, counted from 0) against its number of steps: at the last, the update is complete.",
      type: "timeseries",
      w: 12,
      queries: [
        {
          expr: `max by (namespace, name) (sluice_rollout_step_index{${NS}})`,
          legend: "{{namespace}}/{{name}} step",
        },
        {
          expr: `max by (namespace, name) (sluice_rollout_steps{${NS}})`,
          legend: "{{namespace}}/{{name}} of",
        },
      ],
    },
    {
      title: "Available and desired replicas",
      description: "Available pods of each Rollout (all its ReplicaSets) against spec.replicas.",
      type: "timeseries",
      w: 12,
      queries: [
        {
          expr: `max by (namespace, name) (sluice_rollout_info_replicas_available{${NS}})`,
          legend: "{{namespace}}/{{name}} available",
        },
        {
          expr: `max by (namespace, name) (sluice_rollout_info_replicas_desired{${NS}})`,
          legend: "{{namespace}}/{{name}} desired",
        },
      ],
    },
    {
      title: "Warning events",
      description:
        "Warning Events recorded about Rollouts, by reason: RolloutAborted counts aborts; AnalysisRunFailed, InvalidSpec and others say why.",
      type: "timeseries",
      w: 12,
      queries: [
        {
          expr: `sum by (namespace, name, reason) (increase(sluice_rollout_events_total{${NS}, type="Warning"}[${RATE}]))`,
          legend: "{{namespace}}/{{name}} {{reason}}",
        },
      ],
    },
  ],
];

export const analysis: Section = [
  "Analysis",
  [
    {
      title: "AnalysisRuns by phase",
      description: "AnalysisRuns that exist, by phase (Running, Successful, Failed, Error, Inconclusive).",
      type: "timeseries",
      w: 8,
      stack: true,
      queries: [{ expr: `count by (phase) (sluice_analysis_run_info{${NS}})`, legend: "{{phase}}" }],
    },
    {
      title: "Metric verdicts",
      description: "Each AnalysisRun metric's phase over time (1 while the metric is in that phase).",
      type: "timeseries",
      w: 16,
      queries: [
        {
          expr: `max by (namespace, name, metric, phase) (sluice_analysis_run_metric_phase{${NS}})`,
          legend: "{{namespace}}/{{name}} {{metric}}: {{phase}}",
        },
      ],
    },
    {
      title: "Measured values",
      description:
        "The latest value of each AnalysisRun metric, when it is one number (a scalar or a one-element vector).",
      type: "timeseries",
      w: 16,
      queries: [
        {
          expr: `max by (namespace, name, metric) (sluice_analysis_run_metric_value{${NS}})`,
          legend: "{{namespace}}/{{name}} {{metric}}",
        },
      ],
    },
    {
      title: "Measurements by result",
      description:
        "Measurements taken per second, by provider and result phase; Error means the provider could not be asked or its answer not evaluated.",
      type: "timeseries",
      w: 8,
      unit: "ops",
      queries: [
        {
          expr: `sum by (provider, phase) (rate(sluice_analysis_measurements_total[${RATE}]))`,
          legend: "{{provider}} {{phase}}",
        },
      ],
    },
  ],
];

export const applications: Section = [
  "Applications",
  [
    {
      title: "Applications by sync and health",
      description:
        "Applications by sync status (Synced, OutOfSync) and health (Healthy, Progressing, Degraded, Missing).",
      type: "timeseries",
      w: 12,
      stack: true,
      queries: [
        {
          expr: `count by (sync_status, health_status) (sluice_app_info{${NS}})`,
          legend: "{{sync_status}} {{health_status}}",
        },
      ],
    },
    {
      title: "Syncs",
      description: "Syncs run, by Application and result (Succeeded, Failed).",
      type: "timeseries",
      w: 12,
      queries: [
        {
          expr: `sum by (namespace, name, phase) (increase(sluice_app_sync_total{${NS}}[${RATE}]))`,
          legend: "{{namespace}}/{{name}} {{phase}}",
        },
      ],
    },
    {
      title: "Git fetch errors",
      description:
        "Failed requests to Git remotes per second, by repository and request (clone, fetch): Applications from a failing repository do not see new commits.",
      type: "timeseries",
      w: 8,
      unit: "reqps",
      queries: [
        {
          expr: `sum by (repo, request) (rate(sluice_git_request_total{result="error"}[${RATE}]))`,
          legend: "{{repo}} {{request}}",
        },
      ],
    },
    {
      title: "Git request latency",
      description: "Duration of requests to Git remotes (p50, p99) by request.",
      type: "timeseries",
      w: 8,
      unit: "s",
      queries: quantiles("sluice_git_request_duration_seconds", "request"),
    },
    {
      title: "Webhook deliveries",
      description:
        "Git webhook deliveries per second by provider and result; bad_signature and no_secret are refused deliveries.",
      type: "timeseries",
      w: 8,
      unit: "reqps",
      queries: [
        {
          expr: `sum by (provider, result) (rate(sluice_webhook_requests_total[${RATE}]))`,
          legend: "{{provider}} {{result}}",
        },
      ],
    },
  ],
];

export const controller: Section = [
  "Controller",
  [
    {
      title: "Reconcile latency",
      description: "Time one reconcile takes (p50, p99), by controller (rollout, analysisrun, application).",
      type: "timeseries",
      w: 12,
      unit: "s",
      queries: quantiles("sluice_reconcile_duration_seconds", "controller"),
    },
    {
      title: "Work queue depth",
      description:
        "Keys waiting in each controller's work queue; a queue that keeps growing means reconciles cannot keep up.",
      type: "timeseries",
      w: 12,
      queries: [{ expr: "max by (name) (sluice_workqueue_depth)", legend: "{{name}}" }],
    },
    {
      title: "Reconcile errors",
      description: "Reconciles that failed and were retried with backoff, per second, by controller.",
      type: "timeseries",
      w: 8,
      unit: "ops",
      queries: [
        {
          expr: `sum by (controller) (rate(sluice_reconcile_errors_total[${RATE}]))`,
          legend: "{{controller}}",
        },
      ],
    },
    {
      title: "API server requests",
      description:
        "Requests to the Kubernetes API server per second, by verb and HTTP status (0: no response).",
      type: "timeseries",
      w: 8,
      unit: "reqps",
      queries: [
        {
          expr: `sum by (verb, code) (rate(sluice_kube_api_requests_total[${RATE}]))`,
          legend: "{{verb}} {{code}}",
        },
      ],
    },
    {
      title: "Leader",
      description: "Replicas holding the leader lease (1 expected; 0 means nothing reconciles).",
      type: "stat",
      w: 4,
      queries: [{ expr: "sum(sluice_leader) or vector(0)" }],
      mappings: { "0": ["no leader", "red"], "1": ["1", "green"] },
    },
    {
      title: "Memory",
      description: "Resident memory of each controller replica.",
      type: "stat",
      w: 4,
      unit: "bytes",
      queries: [{ expr: "sluice_process_resident_memory_bytes", legend: "{{pod}}" }],
    },
  ],
];
