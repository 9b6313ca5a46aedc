// The AnalysisRun controller: measures each metric when it is due (providers behind one
// interface), judges the result with the metric's conditions, keeps counters and phases in status
// (one conditional write per reconcile) and requeues for the next measurement: no in-memory
// timers, so a restart loses nothing. A completed run with a ttlStrategy is deleted when its TTL
// runs out (requeued for that time). Field manager: sluice-analysis.
import type { AnalysisPhase, AnalysisRun, AnalysisRunStatus, MetricResult } from "../api/analysis.ts";
import { analysisSpecProblems } from "../api/analysis-spec-validation.ts";
import { keyOf } from "../controller/cache.ts";
import type { ControllerSetup, Kernel } from "../controller/kernel.ts";
import type { Registry } from "../controller/registry.ts";
import type { ReconcileResult } from "../controller/runner.ts";
import { isConflict, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns } from "../kube/resources.ts";
import type { MetricProvider } from "../metricproviders/provider.ts";
import { metricProviders } from "../metricproviders/registry.ts";
import { ArgumentError, needsSecrets, type ResolvedArguments, RunArguments, resolveMetric } from "./args.ts";
import { isCompleted, runPhase } from "./assess.ts";
import { endUnfinished, isDue, METRIC_TERMINATED, type Measuring, stepMetric } from "./measure.ts";
import { dryRunMatcher, retentionLimit } from "./metric-match.ts";
import { AnalysisMetrics, seriesOf } from "./metrics.ts";
import { summarize } from "./summary.ts";
import { deleteAt } from "./ttl.ts";

export const ANALYSIS_FIELD_MANAGER = "sluice-analysis";

export interface AnalysisConfig {
  /** Addresses metric providers may reach (--metric-address-allow); empty: all not denied. */
  addressAllow?: string[];
  /** Which providers exist (the registry in src/metricproviders/registry.ts by default). */
  providers?: Registry<MetricProvider>;
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

/** What one reconcile of a run works with. */
interface RunShell {
  kernel: Kernel;
  writer: ReturnType<Kernel["statusWriter"]>;
  metrics: AnalysisMetrics;
  base: Omit<Measuring, "run" | "startedAt" | "args" | "retention">;
}

/** Checked before the first measurement only: a run already measuring is never made an Error half-way. */
function upFrontProblem(run: AnalysisRun, providers: Registry<MetricProvider>): string | undefined {
  if (run.status?.startedAt !== undefined) return undefined;
  return analysisSpecProblems(run.spec ?? {}, providers)[0];
}

/**
 * The run's argument values: Secrets are read only when a metric that uses them takes a
 * measurement now (resuming or stopping one in flight needs none).
 */
async function argumentsFor(
  shell: RunShell,
  run: AnalysisRun,
  startedAt: string,
): Promise<ResolvedArguments> {
  const args = new RunArguments(shell.kernel.client, run.metadata?.namespace ?? "", run.spec?.args);
  const plain = args.plain();
  if (!plain.unread?.size) return plain;
  const previous = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
  const now = shell.base.now;
  const due = (run.spec?.metrics ?? []).some((raw) => {
    try {
      const metric = resolveMetric(raw, plain);
      return needsSecrets(metric, plain) && isDue({ run, startedAt, now }, metric, previous.get(raw.name));
    } catch (error) {
      if (error instanceof ArgumentError) return false;
      throw error;
    }
  });
  return due ? args.withSecrets() : plain;
}

/** Steps every metric of the run; each result's dryRun flag follows the spec's rules, whatever an earlier status said. */
async function measureAll(measuring: Measuring): Promise<{ results: MetricResult[]; wakeUps: number[] }> {
  const { run } = measuring;
  const previous = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
  const isDryRun = dryRunMatcher(run.spec?.dryRun);
  const flagDryRun = ({ dryRun: _earlier, ...result }: MetricResult): MetricResult =>
    isDryRun(result.name) ? { ...result, dryRun: true } : result;
  const results: MetricResult[] = [];
  const wakeUps: number[] = [];
  for (const raw of run.spec?.metrics ?? []) {
    const stepped = await stepMetric(measuring, raw, previous.get(raw.name));
    results.push(flagDryRun(stepped.result));
    wakeUps.push(...stepped.wakeUps);
  }
  return { results, wakeUps };
}

/** The status a reconcile writes: the phase, why (from the metric that decided it), results and summaries. */
function measuredStatus(
  run: AnalysisRun,
  results: MetricResult[],
  phase: AnalysisPhase,
  startedAt: string,
  completedAt: string | undefined,
): AnalysisRunStatus {
  const { runSummary, dryRunSummary } = summarize(results);
  // A dry-run metric never explains the run's phase.
  const decisive = results.find(
    (r) => !r.dryRun && r.phase === phase && r.message && r.message !== METRIC_TERMINATED,
  );
  return {
    ...run.status,
    phase,
    ...(decisive?.message ? { message: runMessage(decisive, phase) } : {}),
    startedAt,
    ...(completedAt ? { completedAt } : {}),
    metricResults: results,
    runSummary,
    dryRunSummary,
  };
}

async function reconcileRun(shell: RunShell, run: AnalysisRun): Promise<ReconcileResult | undefined> {
  const { writer, base } = shell;
  const now = base.now;
  const startedAt = run.status?.startedAt ?? new Date(now()).toISOString();
  /** A run that cannot be measured at all ends Error at once, saying why. */
  const invalid = async (message: string) => {
    const completedAt = new Date(now()).toISOString();
    await writer.write(AnalysisRuns, run, { ...run.status, phase: "Error", message, startedAt, completedAt });
    return undefined;
  };
  const badRule = upFrontProblem(run, base.providers);
  if (badRule) return invalid(`Analysis spec invalid: ${badRule}`);
  let args: ResolvedArguments;
  try {
    args = await argumentsFor(shell, run, startedAt);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return invalid(error.message);
  }
  const measuring: Measuring = {
    ...base,
    run,
    startedAt,
    args,
    retention: retentionLimit(run.spec?.measurementRetention),
  };
  const { results, wakeUps } = await measureAll(measuring);
  const phase = runPhase(results, run.spec?.terminate ?? false);
  const done = isCompleted(phase);
  // Ending early (terminated, or decided by one metric while others still measure): the others
  // end too, measurements in flight are stopped, as the peer.
  if (done) await endUnfinished(measuring, run.spec?.metrics ?? [], results);
  const completedAt = done ? new Date(now()).toISOString() : undefined;
  await writer.write(AnalysisRuns, run, measuredStatus(run, results, phase, startedAt, completedAt));
  shell.metrics.analysisRun(
    run.metadata?.namespace ?? "",
    run.metadata?.name ?? "",
    phase,
    seriesOf(results),
  );
  if (done || wakeUps.length === 0) return undefined;
  return { requeueAfterMs: Math.max(0, Math.min(...wakeUps)) };
}

/** The AnalysisRun controller with the given address allow list and providers. */
export function analysisRunControllerWith(config: AnalysisConfig = {}): ControllerSetup {
  return (kernel) => {
    const runs = kernel.informer<AnalysisRun>({ type: AnalysisRuns, labelSelector: kernel.instanceSelector });
    const metrics = new AnalysisMetrics(kernel.options.metrics.registry);
    const shell: RunShell = {
      kernel,
      writer: kernel.statusWriter(ANALYSIS_FIELD_MANAGER),
      metrics,
      base: {
        now: () => kernel.clock.now(),
        providers: config.providers ?? metricProviders,
        client: kernel.client,
        policy: { allow: config.addressAllow ?? [], apiServer: kernel.apiServer },
        fieldManager: ANALYSIS_FIELD_MANAGER,
        counted: (provider, phase) => metrics.measurement(provider, phase),
      },
    };
    const controller = kernel.controller({
      name: "analysisrun",
      workers: kernel.options.workers ?? 4,
      reconcile: async ({ key }) => {
        const run = runs.cache.get(key);
        if (!run?.metadata) return undefined;
        if (isCompleted(run.status?.phase)) {
          // Finished runs keep their series (after a restart too) until they are deleted.
          const { namespace = "", name = "" } = run.metadata;
          metrics.analysisRun(
            namespace,
            name,
            run.status?.phase ?? "",
            seriesOf(run.status?.metricResults ?? []),
          );
          return collectExpired(kernel, run);
        }
        if (shell.writer.tracker.isStale(key, run.metadata.resourceVersion)) return undefined;
        return reconcileRun(shell, run);
      },
    });
    runs.on((event, run) => {
      if (event === "delete") {
        shell.writer.tracker.forget(keyOf(run));
        metrics.forgetAnalysisRun(run.metadata?.namespace ?? "", run.metadata?.name ?? "");
      }
      controller.enqueue(keyOf(run));
    });
  };
}

/** The AnalysisRun controller with every registered provider and no address allow list. */
export const analysisRunController: ControllerSetup = analysisRunControllerWith();
