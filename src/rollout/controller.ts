// The Rollout controller: watches Rollouts, their ReplicaSets, Services and AnalysisRuns; each
// reconcile validates, reads a frozen context, plans (plan.ts) and applies the plan in a fixed
// order, writing status once. Field manager: sluice-rollout (DESIGN.md §8).
import type { AnalysisRun } from "../api/analysis.ts";
import type { Rollout } from "../api/rollout.ts";
import { invalidSpec } from "../api/rollout-spec-problems.ts";
import { byNamespace, byOwnerUid, keyOf } from "../controller/cache.ts";
import type { Informer } from "../controller/informer.ts";
import type { ControllerSetup, Kernel } from "../controller/kernel.ts";
import { isForbidden } from "../kube/errors.ts";
import { AnalysisRuns, ReplicaSets, Rollouts, Services } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { adopt, effectiveHash, orphansFor } from "./adoption.ts";
import { cutShort } from "./analysis-history.ts";
import { applyPlan, type Shell } from "./apply-plan.ts";
import { computePhase, setCondition } from "./conditions.ts";
import type { RolloutContext, RunSighting, TemplateLookup } from "./context.ts";
import { finalizeDeletion, hasFinalizer } from "./finalizer.ts";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "./hash.ts";
import { RolloutEventCounter, registerRolloutMetrics } from "./metrics.ts";
import { planRollout } from "./plan.ts";
import { restartPending, restartRound } from "./restart.ts";
import { withHealthy } from "./rollout-conditions.ts";
import { RoutingObjects, routedKey } from "./routing-objects.ts";
import { byRoutedObject, byServiceNamed } from "./service-index.ts";
import { handoverUnderWay, readyPodsOf, type StableEndpoints } from "./stable-endpoints.ts";
import { clusterTemplates, lookupTemplates } from "./template-lookup.ts";
import type { ReplicaSet, Service } from "./world.ts";

export const ROLLOUT_FIELD_MANAGER = "sluice-rollout";

export const rolloutController: ControllerSetup = (kernel) => {
  const rollouts = kernel.informer<Rollout>({
    type: Rollouts,
    labelSelector: kernel.instanceSelector,
    indexers: { services: byServiceNamed, routed: byRoutedObject },
  });
  registerRolloutMetrics(kernel.options.metrics.registry, () => rollouts.cache.values());
  const replicaSets = kernel.informer<ReplicaSet>({
    type: ReplicaSets,
    labelSelector: POD_TEMPLATE_HASH_LABEL,
    indexers: { owner: byOwnerUid, namespace: byNamespace },
  });
  const services = kernel.informer<Service>({ type: Services });
  /** An object a Rollout controls changed: look at that Rollout. */
  const enqueueOwner = (object: KubeObject) => {
    const owner = object.metadata?.ownerReferences?.find((r) => r.kind === "Rollout" && r.controller);
    if (owner) controller.enqueue(`${object.metadata?.namespace}/${owner.name}`);
  };
  const routed = new RoutingObjects(kernel, (kind, object) => {
    // A routed object appeared or changed (a stable Ingress, a route), or its canary copy was edited.
    for (const r of rollouts.cache.byIndex("routed", routedKey(kind, object))) controller.enqueue(keyOf(r));
    enqueueOwner(object);
  });
  const analysisRuns = kernel.informer<AnalysisRun>({
    type: AnalysisRuns,
    labelSelector: kernel.instanceSelector,
    indexers: { owner: byOwnerUid },
  });
  const writer = kernel.statusWriter(ROLLOUT_FIELD_MANAGER);
  const eventCounter = new RolloutEventCounter(kernel.options.metrics.registry);
  const events = kernel.events(ROLLOUT_FIELD_MANAGER, (object, type, reason) =>
    eventCounter.counted(object, type, reason),
  );

  const controller = kernel.controller({
    name: "rollout",
    workers: kernel.options.workers ?? 10,
    reconcile: async ({ key, log }) => {
      const rollout = rollouts.cache.get(key);
      if (!rollout?.metadata?.uid) return undefined;
      if (writer.tracker.isStale(key, rollout.metadata.resourceVersion)) return undefined;
      const inNamespace = replicaSets.cache.byIndex("namespace", rollout.metadata.namespace ?? "");
      // Adopted ones come back as owned with their update events.
      if (await adoptOrphans(kernel, rollout, inNamespace, log)) return undefined;
      const caches = { kernel, replicaSets, services, analysisRuns, routed, writer, events };
      return reconcileRollout(shellFor(caches, rollout, log), rollout);
    },
  });

  rollouts.on((event, object) => {
    if (event === "delete") {
      writer.tracker.forget(keyOf(object));
      eventCounter.forget(keyOf(object));
    }
    controller.enqueue(keyOf(object));
  });
  replicaSets.on((_event, rs) => enqueueOwner(rs));
  analysisRuns.on((_event, run) => enqueueOwner(run));
  services.on((_event, svc) => {
    // A Service a Rollout names may have appeared or changed: look at the Rollouts that name it.
    for (const r of rollouts.cache.byIndex("services", keyOf(svc))) controller.enqueue(keyOf(r));
  });
};

/** What one reconcile reads and writes through: the controller's caches and writers. */
interface Caches {
  kernel: Kernel;
  replicaSets: Informer<ReplicaSet>;
  services: Informer<Service>;
  analysisRuns: Informer<AnalysisRun>;
  routed: RoutingObjects;
  writer: Reconcile["writer"];
  events: Reconcile["events"];
}

/** The reconcile's shell for one Rollout: its own ReplicaSets, Services, runs and routed objects. */
function shellFor(caches: Caches, rollout: Rollout, log: Reconcile["log"]): Reconcile {
  const { kernel, replicaSets, services, analysisRuns, routed } = caches;
  const namespace = rollout.metadata?.namespace ?? "";
  const uid = rollout.metadata?.uid ?? "";
  const service = (name: string) => services.cache.get(`${namespace}/${name}`);
  return {
    kernel,
    client: kernel.client,
    writer: caches.writer,
    events: caches.events,
    log,
    fieldManager: ROLLOUT_FIELD_MANAGER,
    serviceSelector: (name: string) => {
      const svc = service(name);
      return svc ? (svc.spec?.selector ?? {}) : null;
    },
    service,
    routing: routed.lookupFor(namespace),
    routed,
    owned: replicaSets.cache.byIndex("owner", uid),
    runNamed: (name: string) => analysisRuns.cache.get(`${namespace}/${name}`),
    // Only runs this Rollout controls (a plain ownerReference is not ownership, as for the peer).
    ownedRuns: () => analysisRuns.cache.byIndex("owner", uid).filter((run) => controlledBy(run, uid)),
  };
}

/** Adopts ReplicaSets matching the Rollout that nothing controls; true when it adopted any. */
async function adoptOrphans(
  kernel: Kernel,
  rollout: Rollout,
  inNamespace: ReplicaSet[],
  log: Reconcile["log"],
) {
  const orphans = orphansFor(rollout, inNamespace);
  if (orphans.length === 0 || rollout.metadata?.deletionTimestamp) return false;
  for (const rs of orphans) await adopt(kernel.client, rollout, rs, ROLLOUT_FIELD_MANAGER);
  log.info({ adopted: orphans.map((rs) => rs.metadata?.name) }, "adopted orphaned ReplicaSets");
  return true;
}

/** The shell around one plan: what the reconcile reads besides the Rollout, and where it writes. */
interface Reconcile extends Shell {
  kernel: Kernel;
  service: (name: string) => Service | undefined;
  routing: RolloutContext["routing"];
  routed: RoutingObjects;
  owned: ReplicaSet[];
  runNamed: (name: string) => AnalysisRun | undefined;
  ownedRuns: () => AnalysisRun[];
}

async function reconcileRollout(
  shell: Reconcile,
  rollout: Rollout,
): Promise<{ requeueAfterMs?: number } | undefined> {
  const { kernel, log } = shell;
  const now = kernel.clock.now();
  if (rollout.metadata?.deletionTimestamp) {
    if (hasFinalizer(rollout)) {
      await finalizeDeletion(kernel.client, rollout, ROLLOUT_FIELD_MANAGER, shell.routing);
      log.info("Rollout deleted mid-update: traffic and Services pointed back at the stable pods");
    }
    return undefined;
  }
  const template = rollout.spec?.template ?? {};
  const templateHash = effectiveHash(
    template,
    podTemplateHash(template, rollout.status?.collisionCount ?? 0),
    shell.owned,
  );
  const refused = await refuseInvalid(shell, rollout, templateHash, now);
  if (refused !== undefined) return { requeueAfterMs: refused };
  // spec.restartAt: evict pods older than it, a few per round; done once none is left.
  const restart = restartPending(rollout, now)
    ? (await restartRound(kernel.client, rollout))
      ? "done"
      : "evicting"
    : undefined;
  const uid = rollout.metadata?.uid ?? "";
  const base: RolloutContext = {
    rollout,
    replicaSets: shell.owned,
    templateHash,
    now,
    run: (name) => sighting(shell.runNamed(name), uid),
    ownedRuns: shell.ownedRuns(),
    templates: new Map(),
    restart,
    routing: shell.routing,
    ...(await stableEndpointsOf(shell, rollout, templateHash)),
  };
  let plan = planRollout(base);
  let context = base;
  if (plan.lookups.length > 0) {
    // The runs to make need their templates: look them up, then plan again with the outcomes.
    const templates = new Map<string, TemplateLookup>();
    for (const wanted of plan.lookups)
      templates.set(
        wanted.name,
        await lookupTemplates(
          clusterTemplates(kernel.client, rollout.metadata?.namespace ?? ""),
          wanted.analysis,
        ),
      );
    context = { ...base, templates };
    plan = planRollout(context);
  }
  await applyPlan(shell, context, plan);
  return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
}

/**
 * A canary without a router: its stable Service's selected hash (from the cache), and its ready
 * pods (one list of its EndpointSlices) only while a handover may be under way.
 */
async function stableEndpointsOf(
  shell: Reconcile,
  rollout: Rollout,
  templateHash: string,
): Promise<{ stableEndpoints?: StableEndpoints }> {
  const canary = rollout.spec?.strategy?.canary;
  if (!canary?.stableService || canary.trafficRouting) return {};
  const selected = shell.serviceSelector(canary.stableService)?.[POD_TEMPLATE_HASH_LABEL];
  if (!handoverUnderWay(shell.owned, selected, templateHash))
    return { stableEndpoints: { selected, readyPods: "unread" } };
  const namespace = rollout.metadata?.namespace ?? "";
  try {
    const readyPods = await readyPodsOf(shell.client, namespace, canary.stableService);
    return { stableEndpoints: { selected, readyPods } };
  } catch (error) {
    // RBAC written for the peer (which never reads them) may not grant this: hand over as the
    // peer does, unchecked, rather than retry a refusal for ever and never finish the update.
    if (!isForbidden(error)) throw error;
    shell.log.warn(
      { service: canary.stableService, err: (error as Error).message },
      "cannot list EndpointSlices (RBAC: discovery.k8s.io endpointslices list): the old pods go without " +
        "waiting for the stable Service's endpoints to show the new ones",
    );
    return { stableEndpoints: { selected, readyPods: "unread" } };
  }
}

/**
 * An invalid spec gets InvalidSpec (condition, Event, log line naming the fields) and nothing
 * moves; returns when to look again (undefined: the spec is valid). The analysis an update will
 * need is checked before it starts (templates, args, metrics that never end), so a problem there
 * is found before traffic moves, not at the step.
 */
async function refuseInvalid(
  shell: Reconcile,
  rollout: Rollout,
  templateHash: string,
  now: number,
): Promise<number | undefined> {
  const { problems, ...analysis } = await invalidSpec(
    rollout,
    {
      service: shell.serviceSelector,
      routing: shell.routing,
      unserved: await shell.routed.watch(rollout),
      templates: clusterTemplates(shell.client, rollout.metadata?.namespace ?? ""),
    },
    startingUpdate(rollout, templateHash),
  );
  const messages = [...problems, ...analysis.invalid, ...analysis.waiting];
  if (messages.length === 0) return undefined;
  const onlyWaiting = problems.length === 0 && analysis.invalid.length === 0;
  const message = messages.join("; ");
  const previous = rollout.status?.conditions?.find((c) => c.type === "InvalidSpec");
  const status = { ...rollout.status };
  status.conditions = setCondition(
    status.conditions ?? [],
    { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message },
    new Date(now).toISOString(),
  );
  status.observedGeneration = rollout.metadata?.generation ?? 0;
  Object.assign(status, computePhase(rollout.spec ?? {}, status));
  status.conditions = withHealthy(status.conditions, status.phase, now);
  if (previous?.message !== message) {
    shell.log.warn({ problems: messages }, "invalid Rollout spec; nothing changed");
    const reason = onlyWaiting ? Reasons.AnalysisTemplateNotFound : Reasons.InvalidSpec;
    await shell.events.record(rollout, "Warning", reason, message);
  }
  await shell.writer.write(Rollouts, rollout, status);
  // A template may be applied any time (not watched); other references (a Service applied after
  // the Rollout) may resolve later without a spec change.
  return onlyWaiting ? 10_000 : 20_000;
}

/**
 * An update is about to start (a new template that is not the stable one): its analysis is
 * checked before anything moves. Never mid-update — an abort, a rollback to stable or promote
 * --full must not wait on a template; a run's missing template mid-update is waited for by the
 * plan itself.
 */
const startingUpdate = (rollout: Rollout, templateHash: string) => {
  const { stableRS, currentPodHash } = rollout.status ?? {};
  return stableRS !== undefined && templateHash !== currentPodHash && templateHash !== stableRS;
};

const controlledBy = (run: AnalysisRun, uid: string) =>
  run.metadata?.ownerReferences?.some((ref) => ref.uid === uid && ref.controller === true) ?? false;

/** How a run of a name stands for this Rollout; only runs it controls count (a name is not proof). */
function sighting(run: AnalysisRun | undefined, ownerUid: string): RunSighting | undefined {
  if (!run?.metadata) return undefined;
  if (!controlledBy(run, ownerUid)) return { kind: "foreign" };
  if (cutShort(run)) return { kind: "cutShort" };
  return {
    kind: "ours",
    run: {
      name: run.metadata.name ?? "",
      phase: run.status?.phase ?? "Pending",
      ...(run.status?.message ? { message: run.status.message } : {}),
    },
  };
}
