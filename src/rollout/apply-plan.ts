// Executes a Rollout plan, idempotently and in a fixed order: the new ReplicaSet, scale-down
// deadlines, Services (before scaling, so a selector leaves a ReplicaSet before its pods go),
// traffic routers' objects (also before scaling), scales, history pruning, AnalysisRuns, the one
// status write, the finalizer, run housekeeping, then Events (once the status is written, also
// when a later step fails). The plan is read, never changed.
import type { Logger } from "pino";
import type { Rollout } from "../api/rollout.ts";
import { keyOf } from "../controller/cache.ts";
import type { StatusWriter } from "../controller/status.ts";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { AnalysisRuns, Pods, ReplicaSets, type ResourceType, Rollouts, Services } from "../kube/resources.ts";
import type { EventRecorder } from "../telemetry/events.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { executeRoutingWrite } from "../trafficrouting/write.ts";
import { HASH_VERSION, HASH_VERSION_ANNOTATION } from "./adoption.ts";
import { TERMINATED_BY_ROLLOUT } from "./analysis-history.ts";
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "./bluegreen.ts";
import type { RolloutContext } from "./context.ts";
import {
  EPHEMERAL_METADATA_ANNOTATION,
  type MetadataChange,
  withRoleMetadata,
} from "./ephemeral-metadata.ts";
import { hasFinalizer, needsFinalizer, setFinalizer } from "./finalizer.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";
import type { RolloutPlan } from "./plan.ts";
import {
  controllerRef,
  MANAGED_BY_ANNOTATION,
  REVISION_ANNOTATION,
  type ReplicaSet,
  revisionOf,
} from "./world.ts";

export interface Shell {
  client: KubeClient;
  writer: StatusWriter;
  events: EventRecorder;
  log: Logger;
  fieldManager: string;
  /** The selector a Service has now (null: no such Service). */
  serviceSelector: (name: string) => Record<string, string> | null;
}

const ignoreNotFound = (error: unknown) => {
  if (!isNotFound(error)) throw error;
};

export async function applyPlan(shell: Shell, context: RolloutContext, plan: RolloutPlan): Promise<void> {
  const { rollout } = context;
  await applyReplicaSets(shell, context, plan);
  await applyRuns(shell, rollout, plan);
  const written = await shell.writer.write(Rollouts, rollout, plan.status);
  // The status is written: what the Events tell has happened, so they are recorded even when a
  // later write fails (a 409 on the finalizer); the retry that follows plans from the new status
  // and would not tell them again.
  try {
    await applyFinalizer(shell, written.written ? written.object : rollout);
    await tidyRuns(shell, rollout, plan);
  } finally {
    await recordEvents(shell, rollout, plan);
  }
}

/** The finalizer follows the update: on while one is in progress, off at rest. */
async function applyFinalizer(shell: Shell, current: Rollout): Promise<void> {
  const wanted = needsFinalizer(current);
  if (wanted === hasFinalizer(current)) return;
  const patched = await setFinalizer(shell.client, current, wanted, shell.fieldManager);
  shell.writer.tracker.recordWrite(
    keyOf(current),
    current.metadata?.resourceVersion,
    patched.metadata?.resourceVersion,
  );
}

async function recordEvents(shell: Shell, rollout: Rollout, plan: RolloutPlan): Promise<void> {
  for (const event of plan.events) {
    if (event.log) {
      const { msg, ...fields } = event.log;
      shell.log[event.type === "Warning" ? "warn" : "info"](fields, String(msg ?? event.message));
    }
    await shell.events.record(rollout, event.type, event.reason, event.message);
  }
}

async function applyReplicaSets(shell: Shell, context: RolloutContext, plan: RolloutPlan) {
  const { client, fieldManager } = shell;
  const { rollout } = context;
  const namespace = rollout.metadata?.namespace ?? "";
  const patch = (type: ResourceType, name: string, body: Record<string, unknown>) =>
    client.mergePatch(type, { namespace, name }, body, fieldManager);
  if (plan.createNew) await createReplicaSet(shell, rollout, plan.createNew, context.replicaSets);
  for (const [name, deadline] of plan.deadlines)
    await patch(ReplicaSets, name, {
      metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: deadline } },
    });
  for (const [name, podHash] of plan.services) {
    if (shell.serviceSelector(name)?.[POD_TEMPLATE_HASH_LABEL] === podHash) continue;
    await patch(Services, name, {
      metadata: { annotations: { [MANAGED_BY_ANNOTATION]: rollout.metadata?.name ?? "" } },
      spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: podHash } },
    });
    const message = `Switched selector for service ${name} to value '${podHash}'`;
    await shell.events.record(rollout, "Normal", Reasons.SwitchService, message);
  }
  await applyRouting(shell, context, plan);
  for (const [name, replicas] of plan.scale) {
    await patch(ReplicaSets, name, { spec: { replicas } });
    const message = `Scaled ReplicaSet ${name} to ${replicas}`;
    await shell.events.record(rollout, "Normal", Reasons.ScalingReplicaSet, message);
  }
  for (const name of plan.prune) await client.delete(ReplicaSets, { namespace, name }).catch(ignoreNotFound);
  for (const change of plan.metadata) await applyMetadata(shell, namespace, change);
}

/**
 * A role change: the ReplicaSet's pod template (for pods it makes later) and record, then its
 * running pods, patched in place (a pod that is gone meanwhile is skipped).
 */
async function applyMetadata(shell: Shell, namespace: string, change: MetadataChange) {
  const metadata = { labels: change.labels, annotations: change.annotations };
  await shell.client.mergePatch(
    ReplicaSets,
    { namespace, name: change.replicaSet },
    {
      metadata: { annotations: { [EPHEMERAL_METADATA_ANNOTATION]: change.record } },
      spec: { template: { metadata } },
    },
    shell.fieldManager,
  );
  const pods = await shell.client.list(Pods, {
    namespace,
    labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${change.hash}`,
  });
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp) continue;
    await shell.client
      .mergePatch(Pods, { namespace, name: pod.metadata?.name ?? "" }, { metadata }, shell.fieldManager)
      .catch(ignoreNotFound);
  }
}

/**
 * The routers' objects, after the Services and before any scaling: on abort the weight is back on
 * stable before the canary loses a pod; on a new step the canary pods were ready before the weight.
 */
async function applyRouting(shell: Shell, context: RolloutContext, plan: RolloutPlan) {
  const { rollout } = context;
  for (const write of plan.routing) {
    const existed = context.routing(write.kind, write.name, write.namespace) !== undefined;
    await executeRoutingWrite(shell.client, write, shell.fieldManager);
    // The peer's Events for its canary Ingress; a route's weights are told by TrafficWeightUpdated.
    if (write.kind === "Ingress") {
      const reason = existed ? Reasons.PatchingCanaryIngress : Reasons.CreatingCanaryIngress;
      const message = `${existed ? "Updated" : "Created"} Ingress ${write.name}`;
      await shell.events.record(rollout, "Normal", reason, message);
    }
  }
  const before = rollout.status?.canary?.weights?.canary?.weight ?? 0;
  const after = plan.status.canary?.weights?.canary?.weight ?? 0;
  if (rollout.spec?.strategy?.canary?.trafficRouting && before !== after)
    await shell.events.record(
      rollout,
      "Normal",
      Reasons.TrafficWeightUpdated,
      `Traffic weight updated from ${before} to ${after}`,
    );
}

async function createReplicaSet(
  shell: Shell,
  rollout: Rollout,
  wanted: { hash: string; replicas: number },
  owned: readonly ReplicaSet[],
) {
  const rs = newReplicaSet(rollout, wanted.hash, wanted.replicas, owned);
  try {
    await shell.client.create(ReplicaSets, rs, shell.fieldManager);
    const revision = rs.metadata?.annotations?.[REVISION_ANNOTATION];
    const message = `Created ReplicaSet ${rs.metadata?.name} (revision ${revision}) with size ${wanted.replicas}`;
    await shell.events.record(rollout, "Normal", Reasons.NewReplicaSetCreated, message);
  } catch (error) {
    // Our cache had not seen it yet: the next reconcile (its add event) carries on.
    if (!isAlreadyExists(error)) throw error;
  }
}

export function newReplicaSet(
  rollout: Rollout,
  hash: string,
  replicas: number,
  owned: readonly ReplicaSet[],
): ReplicaSet {
  const role = withRoleMetadata(rollout, hash, structuredClone(rollout.spec?.template ?? {}));
  const template = role.template;
  const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  template.metadata = { ...template.metadata, labels };
  const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
  const selector = rollout.spec?.selector;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${rollout.metadata?.name}-${hash}`,
      namespace: rollout.metadata?.namespace ?? "",
      labels,
      annotations: {
        [REVISION_ANNOTATION]: String(revision),
        [HASH_VERSION_ANNOTATION]: HASH_VERSION,
        ...(role.record ? { [EPHEMERAL_METADATA_ANNOTATION]: role.record } : {}),
      },
      ownerReferences: [controllerRef(rollout)],
    },
    spec: {
      replicas,
      minReadySeconds: rollout.spec?.minReadySeconds ?? 0,
      selector: {
        matchLabels: { ...selector?.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash },
        ...(selector?.matchExpressions ? { matchExpressions: selector.matchExpressions } : {}),
      },
      template,
    },
  };
}

/** Cut-short runs wanted again make way (a fresh one is made at the next look); new runs are made. */
async function applyRuns(shell: Shell, rollout: Rollout, plan: RolloutPlan) {
  const namespace = rollout.metadata?.namespace ?? "";
  for (const name of plan.replaceRuns)
    await shell.client.delete(AnalysisRuns, { namespace, name }).catch(ignoreNotFound);
  for (const run of plan.createRuns) {
    await shell.client.create(AnalysisRuns, run, shell.fieldManager).catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
  }
}

/** Terminates runs the rollout no longer waits on and deletes completed runs beyond the history limits. */
async function tidyRuns(shell: Shell, rollout: Rollout, plan: RolloutPlan) {
  const { terminate, remove, supersede } = plan.housekeeping;
  const namespace = rollout.metadata?.namespace;
  // Deleted meanwhile (still in the cache): nothing left to mark.
  const mark = (name: string, patch: Record<string, unknown>) =>
    shell.client
      .mergePatch(
        AnalysisRuns,
        { namespace, name },
        { metadata: { annotations: { [TERMINATED_BY_ROLLOUT]: "true" } }, ...patch },
        shell.fieldManager,
      )
      .catch(ignoreNotFound);
  for (const name of terminate) await mark(name, { spec: { terminate: true } });
  for (const name of supersede) await mark(name, {});
  for (const name of remove)
    await shell.client.delete(AnalysisRuns, { namespace, name }).catch(ignoreNotFound);
}
