// The AnalysisRun controller: measures each metric when it is due (providers behind one
// interface), judges the result with the metric's conditions, keeps counters and phases in status
// (one conditional write per reconcile) and requeues for the next measurement: no in-memory
// timers, so a restart loses nothing. A completed run with a ttlStrategy is deleted when its TTL
// runs out (requeued for that time). Field manager: sluice-analysis.
import type { AnalysisRun, Measurement, Metric, MetricResult } from "../api/analysis.ts";
import { keyOf } from "../controller/cache.ts";
import type { ControllerSetup, Kernel } from "../controller/kernel.ts";
import type { ReconcileResult } from "../controller/runner.ts";
import { isConflict, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns } from "../kube/resources.ts";
import type { AddressPolicy } from "../metricproviders/address-policy.ts";
import { JOB_NAME_METADATA, JobProvider } from "../metricproviders/job/index.ts";
import { type PrometheusMetric, PrometheusProvider } from "../metricproviders/prometheus/index.ts";
import { MeasurementError, type MetricProvider } from "../metricproviders/provider.ts";
import { type WebMetric, WebProvider } from "../metricproviders/web/index.ts";
import { ArgumentError, redact, resolveArguments, resolveMetric } from "./args.ts";
import { isCompleted, metricPhase, nextDue, record, runPhase } from "./assess.ts";
import { judge } from "./condition.ts";
import { dryRunMatcher, retentionLimit, unmatchedRule } from "./metric-match.ts";
import { summarize } from "./summary.ts";
import { metricSupportProblem } from "./support.ts";
import { deleteAt } from "./ttl.ts";

export const ANALYSIS_FIELD_MANAGER = "sluice-analysis";

function providerFor(metric: Metric, policy: AddressPolicy): MetricProvider {
  const provider = metric.provider ?? {};
  const kinds = Object.keys(provider);
  if (kinds.length !== 1)
    throw new MeasurementError(`metric ${metric.name}: provider needs exactly one kind, got ${kinds.length}`);
  if (provider.prometheus) {
    return new PrometheusProvider(provider.prometheus as unknown as PrometheusMetric, policy);
  }
  if (provider.web) return new WebProvider(provider.web as unknown as WebMetric, policy);
  throw new MeasurementError(`metric ${metric.name}: provider ${kinds[0]} is not supported yet`);
}

/**
 * A measurement's value as status keeps it. The conditions saw all of it; status keeps at most
 * MAX_STORED_VALUE characters, so a large result (a long range query, a wide vector) times the
 * retained measurements cannot push the AnalysisRun past the API server's object size limit.
 */
export const MAX_STORED_VALUE = 2048;

export function storedValue(value: unknown): string {
  // NaN and ±Inf are not JSON: written as strings ("NaN", "Infinity").
  const text =
    JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) ??
    "null";
  if (text.length <= MAX_STORED_VALUE) return text;
  return `${text.slice(0, MAX_STORED_VALUE)}... (${text.length} characters, truncated)`;
}

async function measure(metric: Metric, policy: AddressPolicy, now: () => number): Promise<Measurement> {
  const startedAt = new Date(now()).toISOString();
  try {
    const measured = await providerFor(metric, policy).measure();
    const verdict = judge(measured.value, metric.successCondition, metric.failureCondition);
    return {
      phase: verdict.phase,
      ...(verdict.message ? { message: verdict.message } : {}),
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      value: storedValue(measured.value),
      ...(measured.metadata ? { metadata: measured.metadata } : {}),
    };
  } catch (error) {
    if (!(error instanceof MeasurementError)) throw error;
    return { phase: "Error", message: error.message, startedAt, finishedAt: new Date(now()).toISOString() };
  }
}

const JOB_POLL_MS = 1000;

const providerType = (metric: Metric): string => Object.keys(metric.provider ?? {})[0] ?? "none";

async function startJob(job: JobProvider, result: MetricResult, now: () => number): Promise<Measurement> {
  const startedAt = new Date(now()).toISOString();
  try {
    const index = (result.count ?? 0) + (result.error ?? 0) + 1;
    const name = await job.start(index);
    return { phase: "Running", startedAt, metadata: { [JOB_NAME_METADATA]: name } };
  } catch (error) {
    if (!(error instanceof MeasurementError)) throw error;
    return { phase: "Error", message: error.message, startedAt, finishedAt: startedAt };
  }
}

async function finishJob(
  job: JobProvider,
  running: Measurement,
  now: () => number,
): Promise<Measurement | undefined> {
  const finishedAt = new Date(now()).toISOString();
  try {
    const outcome = await job.poll(running.metadata?.[JOB_NAME_METADATA] ?? "");
    if (!outcome) return undefined;
    return {
      ...running,
      phase: outcome.phase,
      ...(outcome.message ? { message: outcome.message } : {}),
      finishedAt,
    };
  } catch (error) {
    if (!(error instanceof MeasurementError)) throw error;
    return { ...running, phase: "Error", message: error.message, finishedAt };
  }
}

/**
 * The run's message from the metric that decided it, in the peer's words: `Metric "m" assessed
 * Failed due to failed (1) > failureLimit (0)`, with the last measurement's message when it has one.
 */
function runMessage(decisive: MetricResult, phase: string): string {
  const last = decisive.measurements?.at(-1)?.message;
  const detail = last ? `: "Error Message: ${last}"` : "";
  return `Metric "${decisive.name}" assessed ${phase} due to ${decisive.message}${detail}`;
}

/** What the peer writes on a metric, and its measurement in flight, cut short by the run's end. */
export const METRIC_TERMINATED = "Metric Terminated";

/**
 * Metrics still measuring when their run ends (terminated, or decided early by another metric)
 * end Successful with the peer's message; a Job measurement in flight is stopped (its Job deleted).
 */
async function endUnfinished(
  kernel: Kernel,
  run: AnalysisRun,
  metrics: Metric[],
  results: MetricResult[],
  now: () => number,
): Promise<void> {
  for (const [i, result] of results.entries()) {
    if (isCompleted(result.phase)) continue;
    const measurements = [...(result.measurements ?? [])];
    const last = measurements.at(-1);
    const metric = metrics.find((m) => m.name === result.name);
    if (last?.phase === "Running") {
      const name = last.metadata?.[JOB_NAME_METADATA];
      if (metric?.provider?.job && name)
        await new JobProvider(kernel.client, run, metric, ANALYSIS_FIELD_MANAGER).terminate(name);
      const finishedAt = new Date(now()).toISOString();
      measurements[measurements.length - 1] = {
        ...last,
        phase: "Successful",
        message: METRIC_TERMINATED,
        finishedAt,
      };
    }
    results[i] = { ...result, phase: "Successful", message: METRIC_TERMINATED, measurements };
  }
}

/** Nothing written may contain a secret argument's value. */
function redactMeasurement(m: Measurement, secrets: string[]): Measurement {
  if (secrets.length === 0) return m;
  const out: Measurement = { ...m };
  if (m.message !== undefined) out.message = redact(m.message, secrets);
  if (m.value !== undefined) out.value = redact(m.value, secrets);
  if (m.metadata) {
    out.metadata = Object.fromEntries(Object.entries(m.metadata).map(([k, v]) => [k, redact(v, secrets)]));
  }
  return out;
}

/** Deletes a completed run whose TTL has run out, or says when to look again. */
async function collectExpired(kernel: Kernel, run: AnalysisRun): Promise<ReconcileResult | undefined> {
  const due = deleteAt(run.status?.phase, run.status?.completedAt, run.spec?.ttlStrategy);
  if (due === undefined || run.metadata?.deletionTimestamp) return undefined;
  const wait = due - kernel.clock.now();
  if (wait > 0) return { requeueAfterMs: wait };
  const ref = { namespace: run.metadata?.namespace ?? "", name: run.metadata?.name ?? "" };
  // The precondition keeps a cached copy from deleting a run whose ttlStrategy was just changed;
  // the newer version arrives by watch and is judged again. Already gone is done.
  const resourceVersion = run.metadata?.resourceVersion;
  await kernel.client
    .delete(AnalysisRuns, ref, resourceVersion ? { resourceVersion } : {})
    .catch((error: unknown) => {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    });
  return undefined;
}

/** What measuring one run's metrics needs, read once per reconcile. */
interface Measuring {
  kernel: Kernel;
  run: AnalysisRun;
  startedAt: string;
  values: Map<string, string>;
  secrets: string[];
  retention: (metric: string) => number;
  now: () => number;
}

/**
 * One metric's turn: finish a Job measurement in flight, or take a measurement when one is due
 * (never once the run is terminated), then judge the metric. Returns its result and when to look
 * again.
 */
async function stepMetric(
  m: Measuring,
  raw: Metric,
  previous: MetricResult | undefined,
): Promise<{ result: MetricResult; wakeUps: number[] }> {
  const { kernel, run, now } = m;
  let result: MetricResult = previous ?? { name: raw.name, phase: "Pending" };
  let metric: Metric;
  try {
    metric = resolveMetric(raw, m.values);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return { result: { ...result, phase: "Error", message: error.message }, wakeUps: [] };
  }
  const wakeUps: number[] = [];
  const job = metric.provider?.job
    ? new JobProvider(kernel.client, run, metric, ANALYSIS_FIELD_MANAGER)
    : undefined;
  const last = result.measurements?.at(-1);
  let taken: Measurement | undefined;
  if (job && last?.phase === "Running") {
    // A Job measurement in flight: finished only when its Job is.
    taken = await finishJob(job, last, now);
    if (taken) result = { ...result, measurements: (result.measurements ?? []).slice(0, -1) };
    else wakeUps.push(JOB_POLL_MS);
  } else {
    const due = nextDue(metric, result, Date.parse(m.startedAt));
    if (due !== undefined && due <= now() && !run.spec?.terminate) {
      if (job) {
        const started = await startJob(job, result, now);
        if (started.phase === "Running") {
          result = { ...result, phase: "Running", measurements: [...(result.measurements ?? []), started] };
          wakeUps.push(JOB_POLL_MS);
        } else taken = started;
      } else taken = await measure(metric, kernel.options.metricAddressPolicy ?? {}, now);
    }
  }
  if (taken) {
    kernel.options.metrics.measurement(providerType(metric), taken.phase);
    result = record(result, redactMeasurement(taken, m.secrets), m.retention(metric.name));
    const verdict = metricPhase(metric, result);
    result = { ...result, phase: verdict.phase };
    if (verdict.message) result.message = verdict.message;
    else delete result.message;
  }
  const after = nextDue(metric, result, Date.parse(m.startedAt));
  if (after !== undefined) wakeUps.push(after - now());
  return { result, wakeUps };
}

export const analysisRunController: ControllerSetup = (kernel) => {
  const runs = kernel.informer<AnalysisRun>({ type: AnalysisRuns });
  const writer = kernel.statusWriter(ANALYSIS_FIELD_MANAGER);
  const controller = kernel.controller({
    name: "analysisrun",
    workers: kernel.options.workers ?? 4,
    reconcile: async ({ key }) => {
      const run = runs.cache.get(key);
      if (!run?.metadata) return undefined;
      if (isCompleted(run.status?.phase)) {
        // Finished runs keep their series (after a restart too) until they are deleted.
        kernel.options.metrics.analysisRun(
          run.metadata.namespace ?? "",
          run.metadata.name ?? "",
          run.status?.phase ?? "",
          (run.status?.metricResults ?? []).map((r) => ({ metric: r.name, phase: r.phase })),
        );
        return collectExpired(kernel, run);
      }
      if (writer.tracker.isStale(key, run.metadata.resourceVersion)) return undefined;
      const now = () => kernel.clock.now();
      const startedAt = run.status?.startedAt ?? new Date(now()).toISOString();
      const metrics = run.spec?.metrics ?? [];
      const previous = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
      const isDryRun = dryRunMatcher(run.spec?.dryRun);
      // The flag follows the spec's rules, whatever an earlier status said.
      const flagDryRun = ({ dryRun: _earlier, ...result }: MetricResult): MetricResult =>
        isDryRun(result.name) ? { ...result, dryRun: true } : result;
      const retention = retentionLimit(run.spec?.measurementRetention);
      /** A run that cannot be measured at all ends Error at once, saying why. */
      const invalid = async (message: string) => {
        await writer.write(AnalysisRuns, run, {
          ...run.status,
          phase: "Error",
          message,
          startedAt,
          completedAt: new Date(now()).toISOString(),
        });
        return undefined;
      };
      // Checked before the first measurement only: a run already measuring (made before this
      // check existed) is never turned into an Error half-way.
      const badRule =
        run.status?.startedAt === undefined
          ? (unmatchedRule(
              run.spec ?? {},
              metrics.map((m) => m.name),
            ) ?? metrics.map(metricSupportProblem).find((p) => p))
          : undefined;
      if (badRule) return invalid(`Analysis spec invalid: ${badRule}`);

      let values: Map<string, string>;
      let secrets: string[];
      try {
        ({ values, secrets } = await resolveArguments(
          kernel.client,
          run.metadata.namespace ?? "",
          run.spec?.args,
        ));
      } catch (error) {
        if (!(error instanceof ArgumentError)) throw error;
        return invalid(error.message);
      }

      const results: MetricResult[] = [];
      const wakeUps: number[] = [];
      const measuring: Measuring = { kernel, run, startedAt, values, secrets, retention, now };
      for (const raw of metrics) {
        const stepped = await stepMetric(measuring, raw, previous.get(raw.name));
        results.push(flagDryRun(stepped.result));
        wakeUps.push(...stepped.wakeUps);
      }

      const phase = runPhase(results, run.spec?.terminate ?? false);
      const done = isCompleted(phase);
      // Ending early (terminated, or decided by one metric while others still measure): the
      // others end too, Jobs in flight are stopped, as the peer.
      if (done) await endUnfinished(kernel, run, metrics, results, now);
      const { runSummary, dryRunSummary } = summarize(results);
      // A dry-run metric never explains the run's phase.
      const decisive = results.find(
        (r) => !r.dryRun && r.phase === phase && r.message && r.message !== METRIC_TERMINATED,
      );
      await writer.write(AnalysisRuns, run, {
        ...run.status,
        phase,
        ...(decisive?.message ? { message: runMessage(decisive, phase) } : {}),
        startedAt,
        ...(done ? { completedAt: new Date(now()).toISOString() } : {}),
        metricResults: results,
        runSummary,
        dryRunSummary,
      });
      kernel.options.metrics.analysisRun(
        run.metadata.namespace ?? "",
        run.metadata.name ?? "",
        phase,
        results.map((r) => ({ metric: r.name, phase: r.phase })),
      );
      if (done || wakeUps.length === 0) return undefined;
      return { requeueAfterMs: Math.max(0, Math.min(...wakeUps)) };
    },
  });
  runs.on((event, run) => {
    if (event === "delete") {
      writer.tracker.forget(keyOf(run));
      kernel.options.metrics.forgetAnalysisRun(run.metadata?.namespace ?? "", run.metadata?.name ?? "");
    }
    controller.enqueue(keyOf(run));
  });
};
