// The Rollout controller (canary without a traffic router for now): watches Rollouts, their
// ReplicaSets and Services; each reconcile validates, plans (planCanary) and applies the plan
// idempotently, then writes status once. Field manager: sluice-rollout (DESIGN.md §8).
import type { Logger } from "pino";
import type { AnalysisRun } from "../api/analysis.ts";
import type { Rollout } from "../api/rollout.ts";
import { formatProblem, validateRollout } from "../api/rollout-validation.ts";
import { byNamespace, byOwnerUid, keyOf } from "../controller/cache.ts";
import type { ControllerSetup, Kernel } from "../controller/kernel.ts";
import type { StatusWriter } from "../controller/status.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns, ReplicaSets, Rollouts, Services } from "../kube/resources.ts";
import type { EventRecorder } from "../telemetry/events.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { adopt, effectiveHash, HASH_VERSION, HASH_VERSION_ANNOTATION, orphansFor } from "./adoption.ts";
import { cutShort, runHousekeeping, TERMINATED_BY_ROLLOUT } from "./analysis-history.ts";
import { type BlueGreenPlan, planBlueGreen, SCALE_DOWN_DEADLINE_ANNOTATION } from "./bluegreen.ts";
import { type CanaryPlan, planCanary } from "./canary.ts";
import { computePhase, setCondition } from "./conditions.ts";
import { finalizeDeletion, hasFinalizer, needsFinalizer, setFinalizer } from "./finalizer.ts";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "./hash.ts";
import { type MissingTemplate, reportMissingTemplates } from "./missing-templates.ts";
import { restartPending, restartRound } from "./restart.ts";
import {
  analysisFieldPath,
  ensureRun,
  MissingTemplateError,
  type ObservedRun,
  RolloutAnalysisError,
  type RunLookup,
} from "./rollout-analysis.ts";
import { controllerRef, REVISION_ANNOTATION, type ReplicaSet, revisionOf, type Service } from "./world.ts";

export const ROLLOUT_FIELD_MANAGER = "sluice-rollout";

type RolloutPlan = (CanaryPlan & { deadlines?: undefined }) | BlueGreenPlan;

export const rolloutController: ControllerSetup = (kernel) => {
  const rollouts = kernel.informer<Rollout>({ type: Rollouts, indexers: { namespace: byNamespace } });
  const replicaSets = kernel.informer<ReplicaSet>({
    type: ReplicaSets,
    labelSelector: POD_TEMPLATE_HASH_LABEL,
    indexers: { owner: byOwnerUid, namespace: byNamespace },
  });
  const services = kernel.informer<Service>({ type: Services });
  const analysisRuns = kernel.informer<AnalysisRun>({ type: AnalysisRuns, indexers: { owner: byOwnerUid } });
  const writer = kernel.statusWriter(ROLLOUT_FIELD_MANAGER);
  const events = kernel.events(ROLLOUT_FIELD_MANAGER);

  const controller = kernel.controller({
    name: "rollout",
    workers: kernel.options.workers ?? 4,
    reconcile: async ({ key, log }) => {
      const rollout = rollouts.cache.get(key);
      if (!rollout?.metadata?.uid) return undefined;
      if (writer.tracker.isStale(key, rollout.metadata.resourceVersion)) return undefined;
      const orphans = orphansFor(
        rollout,
        replicaSets.cache.byIndex("namespace", rollout.metadata.namespace ?? ""),
      );
      if (orphans.length > 0 && !rollout.metadata.deletionTimestamp) {
        for (const rs of orphans) await adopt(kernel.client, rollout, rs, ROLLOUT_FIELD_MANAGER);
        log.info({ adopted: orphans.map((rs) => rs.metadata?.name) }, "adopted orphaned ReplicaSets");
        return undefined; // their update events bring them back as owned
      }
      const owned = replicaSets.cache.byIndex("owner", rollout.metadata.uid);
      const serviceSelector = (name: string) => {
        const svc = services.cache.get(`${rollout.metadata?.namespace}/${name}`);
        return svc ? (svc.spec?.selector ?? {}) : null;
      };
      const runNamed = (name: string) => analysisRuns.cache.get(`${rollout.metadata?.namespace}/${name}`);
      // Only runs this Rollout controls (a plain ownerReference is not ownership, as for the peer).
      const ownedRuns = () =>
        analysisRuns.cache
          .byIndex("owner", rollout.metadata?.uid ?? "")
          .filter((run) => controlledBy(run, rollout.metadata?.uid ?? ""));
      return reconcileRollout(
        kernel,
        writer,
        events,
        log,
        rollout,
        owned,
        serviceSelector,
        runNamed,
        ownedRuns,
      );
    },
  });

  rollouts.on((event, object) => {
    if (event === "delete") writer.tracker.forget(keyOf(object));
    controller.enqueue(keyOf(object));
  });
  replicaSets.on((_event, rs) => {
    const owner = rs.metadata?.ownerReferences?.find((r) => r.kind === "Rollout" && r.controller);
    if (owner) controller.enqueue(`${rs.metadata?.namespace}/${owner.name}`);
  });
  analysisRuns.on((_event, run) => {
    const owner = run.metadata?.ownerReferences?.find((r) => r.kind === "Rollout" && r.controller);
    if (owner) controller.enqueue(`${run.metadata?.namespace}/${owner.name}`);
  });
  services.on((_event, svc) => {
    // A Service a Rollout names may have appeared or changed: look at that namespace's Rollouts.
    for (const r of rollouts.cache.byIndex("namespace", svc.metadata?.namespace ?? ""))
      controller.enqueue(keyOf(r));
  });
};

async function reconcileRollout(
  kernel: Kernel,
  writer: StatusWriter,
  events: EventRecorder,
  log: Logger,
  rollout: Rollout,
  owned: ReplicaSet[],
  serviceSelector: (name: string) => Record<string, string> | null,
  runNamed: (name: string) => AnalysisRun | undefined,
  ownedRuns: () => AnalysisRun[],
): Promise<{ requeueAfterMs?: number } | undefined> {
  const now = Date.now();
  if (rollout.metadata?.deletionTimestamp) {
    if (hasFinalizer(rollout)) {
      await finalizeDeletion(kernel.client, rollout, ROLLOUT_FIELD_MANAGER);
      log.info("Rollout deleted mid-update: Services pointed back at the stable pods");
    }
    return undefined;
  }
  const problems = validateRollout(rollout, { service: serviceSelector }).filter(
    (p) => p.severity === "error",
  );
  if (problems.length > 0) {
    const message = problems.map(formatProblem).join("; ");
    const previous = rollout.status?.conditions?.find((c) => c.type === "InvalidSpec");
    const status = { ...rollout.status };
    status.conditions = setCondition(
      status.conditions ?? [],
      { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
      new Date(now).toISOString(),
    );
    status.observedGeneration = rollout.metadata?.generation ?? 0;
    Object.assign(status, computePhase(rollout.spec ?? {}, status));
    if (previous?.message !== message) {
      log.warn({ problems: problems.map(formatProblem) }, "invalid Rollout spec; nothing changed");
      await events.record(rollout, "Warning", Reasons.InvalidSpec, message);
    }
    await writer.write(Rollouts, rollout, status);
    // References (a Service applied after the Rollout) may resolve later without a spec change.
    return { requeueAfterMs: 20_000 };
  }
  // spec.restartAt: evict pods older than it, a few per round; done once none is left.
  let restartRequeue: number | undefined;
  // The plan starts from this view; the status write still diffs against what was read.
  let observed = rollout;
  if (restartPending(rollout, now)) {
    if (await restartRound(kernel.client, rollout)) {
      observed = { ...rollout, status: { ...rollout.status, restartedAt: rollout.spec?.restartAt ?? "" } };
    } else restartRequeue = 1000;
  }
  const template = rollout.spec?.template ?? {};
  const hash = effectiveHash(template, podTemplateHash(template, rollout.status?.collisionCount ?? 0), owned);
  const lookup: RunLookup = (name) => observedRun(runNamed(name), rollout.metadata?.uid ?? "");
  const plan: RolloutPlan = rollout.spec?.strategy?.blueGreen
    ? planBlueGreen(observed, owned, hash, now, lookup)
    : planCanary(observed, owned, hash, now, lookup);
  const namespace = rollout.metadata?.namespace ?? "";
  const client = kernel.client;

  if (plan.createNew) {
    const rs = newReplicaSet(rollout, plan.createNew.hash, plan.createNew.replicas, owned);
    try {
      await client.create(ReplicaSets, rs, ROLLOUT_FIELD_MANAGER);
      await events.record(
        rollout,
        "Normal",
        Reasons.NewReplicaSetCreated,
        `Created ReplicaSet ${rs.metadata?.name} (revision ${rs.metadata?.annotations?.[REVISION_ANNOTATION]}) with size ${plan.createNew.replicas}`,
      );
    } catch (error) {
      // Our cache had not seen it yet: the next reconcile (its add event) carries on.
      if (!isAlreadyExists(error)) throw error;
    }
  }
  for (const [name, deadline] of plan.deadlines ?? []) {
    await client.mergePatch(
      ReplicaSets,
      { namespace, name },
      { metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: deadline } } },
      ROLLOUT_FIELD_MANAGER,
    );
  }
  // Services before scaling: a selector leaves a ReplicaSet before its pods are scaled away.
  for (const [name, podHash] of plan.services) {
    if (serviceSelector(name)?.[POD_TEMPLATE_HASH_LABEL] === podHash) continue;
    await client.mergePatch(
      Services,
      { namespace, name },
      { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: podHash } } },
      ROLLOUT_FIELD_MANAGER,
    );
    await events.record(
      rollout,
      "Normal",
      Reasons.SwitchService,
      `Switched selector for service ${name} to value '${podHash}'`,
    );
  }
  for (const [name, replicas] of plan.scale) {
    await client.mergePatch(ReplicaSets, { namespace, name }, { spec: { replicas } }, ROLLOUT_FIELD_MANAGER);
    await events.record(
      rollout,
      "Normal",
      Reasons.ScalingReplicaSet,
      `Scaled ReplicaSet ${name} to ${replicas}`,
    );
  }
  for (const name of plan.prune) {
    await client.delete(ReplicaSets, { namespace, name }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
  let analysisRequeue: number | undefined;
  const missingTemplates: MissingTemplate[] = [];
  for (const wanted of plan.runs) {
    const existing = runNamed(wanted.name);
    if (existing && !controlledBy(existing, rollout.metadata?.uid ?? "")) {
      // Not ours (left by a Rollout of the same name deleted with --cascade=orphan?): never judged
      // by, never overwritten; say so, and look again later.
      await events.record(
        rollout,
        "Warning",
        Reasons.AnalysisRunConflict,
        `AnalysisRun ${wanted.name} exists and is not controlled by this Rollout; delete it to go on`,
      );
      analysisRequeue = 20_000;
      continue;
    }
    if (existing && cutShort(existing)) {
      // Ours, stopped by us, and wanted again: make way for a fresh one (created next look).
      await client.delete(AnalysisRuns, { namespace, name: wanted.name }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
      continue;
    }
    if (existing) continue;
    try {
      await ensureRun(client, rollout, wanted, plan.status.stableRS ?? wanted.hash, ROLLOUT_FIELD_MANAGER);
    } catch (error) {
      if (!(error instanceof RolloutAnalysisError)) throw error;
      if (error instanceof MissingTemplateError) {
        // A template applied together with the Rollout may just not be here yet: wait for it
        // (nothing aborts); said below, once for all the runs that wait.
        missingTemplates.push({ field: analysisFieldPath(wanted), run: wanted.name, err: error.message });
        analysisRequeue = 10_000;
        continue;
      }
      // The analysis cannot even start: abort, as a failed analysis would, and say why.
      log.warn({ run: wanted.name, err: error.message }, "cannot create the AnalysisRun; aborting");
      await events.record(
        rollout,
        "Warning",
        Reasons.RolloutAborted,
        `${wanted.kind} analysis ${wanted.name}: ${error.message}`,
      );
      plan.status.abort = true;
    }
  }
  if (missingTemplates.length > 0)
    await reportMissingTemplates(events, log, rollout, plan, missingTemplates, now);
  const written = await writer.write(Rollouts, rollout, plan.status);
  // The finalizer follows the update: on while one is in progress, off at rest.
  const current = written.written ? written.object : rollout;
  const wanted = needsFinalizer(current);
  if (wanted !== hasFinalizer(current)) {
    const patched = await setFinalizer(client, current, wanted, ROLLOUT_FIELD_MANAGER);
    writer.tracker.recordWrite(
      keyOf(current),
      current.metadata?.resourceVersion,
      patched.metadata?.resourceVersion,
    );
  }
  // Housekeeping of AnalysisRuns, judged by what this reconcile decided (not by the cached status,
  // which may not show the step just reached while the new run is already in the cache).
  await tidyAnalysisRuns(kernel, rollout, ownedRuns(), plan.keepRuns);
  for (const verdict of plan.verdicts) {
    const type = verdict.phase === "Successful" ? "Normal" : "Warning";
    log.info({ run: verdict.name, phase: verdict.phase }, verdict.message);
    await events.record(rollout, type, Reasons[`AnalysisRun${verdict.phase}`], verdict.message);
  }
  for (const notice of plan.notices)
    await events.record(rollout, "Normal", Reasons[notice], noticeMessage(notice, plan));
  const wake = [plan.requeueAfterMs, restartRequeue, analysisRequeue].filter(
    (v): v is number => v !== undefined,
  );
  return wake.length === 0 ? undefined : { requeueAfterMs: Math.min(...wake) };
}

function noticeMessage(
  notice: string,
  plan: { status: { currentStepIndex?: number; currentPodHash?: string } },
): string {
  return `${notice}: step ${plan.status.currentStepIndex ?? 0}, pod-template-hash ${plan.status.currentPodHash ?? ""}`;
}

function newReplicaSet(rollout: Rollout, hash: string, replicas: number, owned: ReplicaSet[]): ReplicaSet {
  const name = `${rollout.metadata?.name}-${hash}`;
  const template = structuredClone(rollout.spec?.template ?? {});
  const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  template.metadata = { ...template.metadata, labels };
  const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: rollout.metadata?.namespace ?? "",
      labels,
      annotations: { [REVISION_ANNOTATION]: String(revision), [HASH_VERSION_ANNOTATION]: HASH_VERSION },
      ownerReferences: [controllerRef(rollout)],
    },
    spec: {
      replicas,
      minReadySeconds: rollout.spec?.minReadySeconds ?? 0,
      selector: {
        matchLabels: { ...rollout.spec?.selector?.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash },
        ...(rollout.spec?.selector?.matchExpressions
          ? { matchExpressions: rollout.spec.selector.matchExpressions }
          : {}),
      },
      template,
    },
  };
}

const controlledBy = (run: AnalysisRun, uid: string) =>
  run.metadata?.ownerReferences?.some((ref) => ref.uid === uid && ref.controller === true) ?? false;

/** A run as the planners see it; only runs this Rollout owns count (a name is not proof). */
function observedRun(run: AnalysisRun | undefined, ownerUid: string): ObservedRun | undefined {
  if (!run?.metadata || !controlledBy(run, ownerUid) || cutShort(run)) return undefined;
  return {
    name: run.metadata.name ?? "",
    phase: run.status?.phase ?? "Pending",
    ...(run.status?.message ? { message: run.status.message } : {}),
  };
}

/** Terminates runs the rollout no longer waits on and deletes completed runs beyond the history limits. */
async function tidyAnalysisRuns(
  kernel: Kernel,
  rollout: Rollout,
  runs: AnalysisRun[],
  keep: string[],
): Promise<void> {
  if (runs.length === 0) return;
  const { terminate, remove, supersede } = runHousekeeping(rollout, runs, keep);
  const namespace = rollout.metadata?.namespace;
  const mark = (name: string, patch: Record<string, unknown>) =>
    kernel.client
      .mergePatch(
        AnalysisRuns,
        { namespace, name },
        { metadata: { annotations: { [TERMINATED_BY_ROLLOUT]: "true" } }, ...patch },
        ROLLOUT_FIELD_MANAGER,
      )
      .catch((error: unknown) => {
        // Deleted meanwhile (still in the cache): nothing left to mark.
        if (!isNotFound(error)) throw error;
      });
  for (const name of terminate) await mark(name, { spec: { terminate: true } });
  for (const name of supersede) await mark(name, {});
  for (const name of remove) {
    await kernel.client.delete(AnalysisRuns, { namespace, name }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}
