// Command-line flags of the controller, each also settable by environment (SLUICE_<FLAG>, e.g.
// SLUICE_LOG_LEVEL). Flags win over environment; bad values are errors that name the flag.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { DurationError, parseDuration } from "./api/duration.ts";
import { parseQuantity } from "./api/quantity.ts";
import type { LogFormatChoice, LogLevel } from "./telemetry/logger.ts";
import { parseListenAddress } from "./telemetry/server.ts";

export interface SluiceOptions {
  kubeconfig: string | undefined;
  /** Watch one namespace; undefined = all namespaces. */
  namespace: string | undefined;
  metricsAddr: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Deadline of every API request but watches. */
  requestTimeoutMs: number;
  identity: string;
  logLevel: LogLevel;
  /** `auto`: pretty when stdout is a terminal, JSON otherwise (a pod's stdout never is). */
  logFormat: LogFormatChoice;
  workers: number;
  /** Hosts (host or host:port) metric providers may call; empty: any address not denied. */
  metricAddressAllow: string[];
  /** Act only on objects labelled sluice.dev/controller-instance-id=<this>; undefined: unlabelled ones. */
  instanceId: string | undefined;
  /** The one namespace whose Applications are honoured (DESIGN.md §8 tenancy). */
  applicationNamespace: string;
  /**
   * The only namespaces Applications may deploy into, each watched on its own (a namespaced
   * install's Roles suffice); empty: any namespace the controller watches.
   */
  destinationNamespaces: string[];
  /** How often each Application's repository is read again (with ±10 % jitter). */
  repoPollMs: number;
  /** Deadline of one clone or fetch of a repository. */
  repoTimeoutMs: number;
  /** Where repository mirrors live; a private temporary directory when undefined. */
  repoCacheDir: string | undefined;
  /** The binaries the Git core renders kustomizations and Helm charts with. */
  kustomizePath: string;
  helmPath: string;
  /** Where the Git webhook receiver listens (host:port); undefined: no receiver. */
  webhookAddr: string | undefined;
  /** Webhook bodies larger than this are refused with 413 (default 1 MiB). */
  webhookMaxPayloadBytes: number;
  /** Accept webhooks from a provider with no secret configured (Argo CD's default; sluice refuses them). */
  webhookAllowUnsigned: boolean;
}

const flags = {
  kubeconfig: { type: "string", help: "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)" },
  namespace: { type: "string", help: "watch only this namespace (default: all namespaces)" },
  "metrics-addr": { type: "string", help: "address of /metrics, /healthz, /readyz (default :8080)" },
  "leader-elect": { type: "string", help: "true|false: elect a leader among replicas (default true)" },
  "leader-election-namespace": {
    type: "string",
    help: "namespace of the Lease (default: $POD_NAMESPACE or default)",
  },
  "leader-election-id": { type: "string", help: "name of the Lease (default sluice-controller)" },
  "lease-duration": { type: "string", help: "lease duration, e.g. 15s" },
  "renew-deadline": { type: "string", help: "give up leading after failing to renew this long, e.g. 10s" },
  "retry-period": { type: "string", help: "lease acquire/renew interval, e.g. 2s" },
  "request-timeout": { type: "string", help: "deadline of every API request but watches (default 30s)" },
  identity: { type: "string", help: "this replica's name in the Lease (default: hostname_random)" },
  "log-level": { type: "string", help: "trace|debug|info|warn|error (default info)" },
  "log-format": {
    type: "string",
    help: "auto|json|pretty: human-readable lines or JSON (default auto: pretty on a terminal)",
  },
  workers: {
    type: "string",
    help: "reconcile workers per controller (default 10, as the peers: --rollout-threads, --operation-processors)",
  },
  "metric-address-allow": {
    type: "string",
    help: "comma-separated host or host:port metric providers may call (default: any not denied)",
  },
  "instance-id": {
    type: "string",
    help: "act only on Rollouts, AnalysisRuns, Applications labelled sluice.dev/controller-instance-id=<id> (default: only unlabelled ones)",
  },
  "application-namespace": {
    type: "string",
    help: "the namespace whose Applications are honoured (default: $POD_NAMESPACE, else --namespace, else default)",
  },
  "destination-namespaces": {
    type: "string",
    help: "comma-separated namespaces Applications may deploy into, each watched on its own (default: any)",
  },
  "repo-poll": { type: "string", help: "how often Git repositories are read again, e.g. 3m (default 3m)" },
  "repo-timeout": {
    type: "string",
    help: "deadline of one clone or fetch of a repository, e.g. 30s (default 60s)",
  },
  "repo-cache-dir": { type: "string", help: "where Git mirrors are kept (default: a private temp dir)" },
  "kustomize-path": {
    type: "string",
    help: "kustomize binary for Applications (default: kustomize on PATH)",
  },
  "helm-path": { type: "string", help: "helm binary for Applications (default: helm on PATH)" },
  "webhook-addr": {
    type: "string",
    help: "address of the Git webhook receiver, POST /api/webhook, e.g. :8081 (default: off; the chart sets :8081)",
  },
  "webhook-max-payload": {
    type: "string",
    help: "largest webhook body accepted, bytes or a quantity like 1Mi (default 1Mi)",
  },
  "webhook-allow-unsigned": {
    type: "string",
    help: "true|false: accept webhooks of a provider with no secret configured (default false: 401)",
  },
  help: { type: "boolean", help: "print this help" },
} as const;

export class OptionsError extends Error {}

export function usage(): string {
  return Object.entries(flags)
    .map(([name, f]) => `  --${name.padEnd(28)} ${f.help}`)
    .join("\n");
}

/** Go-style durations ("15s", "1m30s", "500ms"); bare numbers are seconds. */
export function parseDurationMs(value: string, flag: string): number {
  try {
    return parseDuration(value, `--${flag}`);
  } catch (error) {
    if (error instanceof DurationError) throw new OptionsError(error.message);
    throw error;
  }
}

function parseLogFormat(value: string): LogFormatChoice {
  if (value === "auto" || value === "json" || value === "pretty") return value;
  throw new OptionsError(`--log-format: "${value}" is not one of auto, json, pretty`);
}

function parseBool(value: string, flag: string): boolean {
  if (["true", "1", "yes"].includes(value)) return true;
  if (["false", "0", "no"].includes(value)) return false;
  throw new OptionsError(`--${flag}: "${value}" is not true or false`);
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function parseLogLevel(value: string): LogLevel {
  if (!LOG_LEVELS.includes(value)) {
    throw new OptionsError(`--log-level: "${value}" is not one of trace, debug, info, warn, error`);
  }
  return value as LogLevel;
}

function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1)
    throw new OptionsError(`--workers: must be a positive integer`);
  return workers;
}

/** The flags given on the command line (parseArgs' errors as OptionsError). */
function flagValues(argv: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, { type: v.type }])) as {
    [K in keyof typeof flags]: { type: (typeof flags)[K]["type"] };
  };
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
}

/** The Lease timings must nest: retry period < renew deadline < lease duration. */
function checkLeaseTimings(options: SluiceOptions): void {
  if (options.renewDeadlineMs >= options.leaseDurationMs) {
    throw new OptionsError("--renew-deadline must be shorter than --lease-duration");
  }
  if (options.retryPeriodMs >= options.renewDeadlineMs) {
    throw new OptionsError("--retry-period must be shorter than --renew-deadline");
  }
}

/** A byte count: a whole number of bytes or a quantity ("1Mi", "512Ki"), at least 1. */
function parseBytes(value: string, flag: string): number {
  const bytes = parseQuantity(value);
  if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 1)
    throw new OptionsError(`--${flag}: "${value}" is not a positive number of bytes (e.g. 1048576 or 1Mi)`);
  return bytes;
}

/** The webhook receiver's flags; "off" or empty turns it off. */
const webhookOptions = (get: (flag: keyof typeof flags) => string | undefined) => {
  const given = get("webhook-addr");
  const addr = given === undefined || given === "off" ? undefined : given;
  if (addr !== undefined) {
    try {
      parseListenAddress(addr);
    } catch (error) {
      throw new OptionsError(`--webhook-addr: ${(error as Error).message}`);
    }
  }
  return {
    webhookAddr: addr,
    webhookMaxPayloadBytes: parseBytes(get("webhook-max-payload") ?? "1Mi", "webhook-max-payload"),
    webhookAllowUnsigned: parseBool(get("webhook-allow-unsigned") ?? "false", "webhook-allow-unsigned"),
  };
};

const commaList = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** The render tools' binaries (their own function: parseOptions stays under the complexity cap). */
const renderBinaries = (get: (flag: keyof typeof flags) => string | undefined) => ({
  kustomizePath: get("kustomize-path") ?? "kustomize",
  helmPath: get("helm-path") ?? "helm",
});

/** A clone or fetch always has a deadline: 0 (execFile's "none") is refused. */
const repoTimeoutOf = (get: (flag: keyof typeof flags) => string | undefined) => {
  const ms = parseDurationMs(get("repo-timeout") ?? "60s", "repo-timeout");
  if (ms <= 0) throw new OptionsError("--repo-timeout must be longer than 0: a fetch needs a deadline");
  return ms;
};

export function parseOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): SluiceOptions & { help: boolean } {
  const values = flagValues(argv);
  const get = (flag: keyof typeof flags): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === "string") return fromFlag;
    const fromEnv = env[`SLUICE_${flag.toUpperCase().replaceAll("-", "_")}`];
    return fromEnv === "" ? undefined : fromEnv;
  };
  const logLevel = parseLogLevel(get("log-level") ?? "info");
  const workers = parseWorkers(get("workers") ?? "10");
  const parsed: SluiceOptions & { help: boolean } = {
    kubeconfig: get("kubeconfig"),
    namespace: get("namespace"),
    metricsAddr: get("metrics-addr") ?? ":8080",
    leaderElect: parseBool(get("leader-elect") ?? "true", "leader-elect"),
    leaderElectionNamespace: get("leader-election-namespace") ?? env.POD_NAMESPACE ?? "default",
    leaderElectionId: get("leader-election-id") ?? "sluice-controller",
    leaseDurationMs: parseDurationMs(get("lease-duration") ?? "15s", "lease-duration"),
    renewDeadlineMs: parseDurationMs(get("renew-deadline") ?? "10s", "renew-deadline"),
    retryPeriodMs: parseDurationMs(get("retry-period") ?? "2s", "retry-period"),
    requestTimeoutMs: parseDurationMs(get("request-timeout") ?? "30s", "request-timeout"),
    identity: get("identity") ?? `${hostname()}_${randomBytes(4).toString("hex")}`,
    logLevel,
    logFormat: parseLogFormat(get("log-format") ?? "auto"),
    workers,
    metricAddressAllow: commaList(get("metric-address-allow")),
    destinationNamespaces: commaList(get("destination-namespaces")),
    instanceId: get("instance-id"),
    applicationNamespace: get("application-namespace") ?? env.POD_NAMESPACE ?? get("namespace") ?? "default",
    repoPollMs: parseDurationMs(get("repo-poll") ?? "3m", "repo-poll"),
    repoTimeoutMs: repoTimeoutOf(get),
    repoCacheDir: get("repo-cache-dir"),
    ...renderBinaries(get),
    ...webhookOptions(get),
    help: values.help === true,
  };
  checkLeaseTimings(parsed);
  return parsed;
}
