// Deleting a Rollout mid-canary must not leave its Services pointing at canary pods nor its router
// sending them traffic (DESIGN.md §8): while an update is in progress the Rollout carries a
// finalizer, and on deletion the weight goes to 0 and the Services are pointed back at the stable
// pods before the finalizer is removed. A Rollout at
// rest carries none, so removing sluice never leaves undeletable objects behind for long.
import type { Rollout } from "../api/rollout.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound } from "../kube/errors.ts";
import { Rollouts, Services } from "../kube/resources.ts";
import { NO_ROUTES } from "../trafficrouting/managed-routes.ts";
import { routersFor } from "../trafficrouting/registry.ts";
import type { RoutingInput } from "../trafficrouting/router.ts";
import { executeRoutingWrite } from "../trafficrouting/write.ts";
import { POD_TEMPLATE_HASH_LABEL } from "./hash.ts";

export const RESTORE_SERVICES_FINALIZER = "sluice.dev/restore-stable-services";

function servicesOf(rollout: Rollout): string[] {
  const { canary, blueGreen } = rollout.spec?.strategy ?? {};
  return [
    canary?.stableService,
    canary?.canaryService,
    blueGreen?.activeService,
    blueGreen?.previewService,
  ].filter((s): s is string => Boolean(s));
}

/** Whether the finalizer should be on the Rollout now. */
export function needsFinalizer(rollout: Rollout): boolean {
  const status = rollout.status ?? {};
  return (
    servicesOf(rollout).length > 0 &&
    status.stableRS !== undefined &&
    status.currentPodHash !== status.stableRS
  );
}

export function hasFinalizer(rollout: Rollout): boolean {
  return rollout.metadata?.finalizers?.includes(RESTORE_SERVICES_FINALIZER) ?? false;
}

/** Adds or removes the finalizer (a conditional write: it carries the resourceVersion read). */
export async function setFinalizer(
  client: KubeClient,
  rollout: Rollout,
  present: boolean,
  fieldManager: string,
): Promise<Rollout> {
  const others = (rollout.metadata?.finalizers ?? []).filter((f) => f !== RESTORE_SERVICES_FINALIZER);
  return client.mergePatch<Rollout>(
    Rollouts,
    { namespace: rollout.metadata?.namespace, name: rollout.metadata?.name ?? "" },
    { metadata: { finalizers: present ? [...others, RESTORE_SERVICES_FINALIZER] : others } },
    fieldManager,
    { resourceVersion: rollout.metadata?.resourceVersion },
  );
}

/**
 * Sends all traffic back to stable (weight 0 on every router) and points the Rollout's Services at
 * the stable pods, then lets the deletion proceed (its canary Ingress goes with it by owner reference).
 */
export async function finalizeDeletion(
  client: KubeClient,
  rollout: Rollout,
  fieldManager: string,
  lookup: RoutingInput["lookup"],
): Promise<void> {
  const stable = rollout.status?.stableRS;
  const namespace = rollout.metadata?.namespace;
  const trafficRouting = rollout.spec?.strategy?.canary?.trafficRouting;
  if (trafficRouting) {
    const hashes = { canary: stable ?? "", stable: stable ?? "" };
    const input = { rollout, weight: 0, routes: NO_ROUTES, hashes, lookup };
    for (const write of routersFor(trafficRouting).routers.flatMap((router) => router.writes(input)))
      await executeRoutingWrite(client, write, fieldManager);
  }
  if (stable) {
    for (const name of servicesOf(rollout)) {
      await client
        .mergePatch(
          Services,
          { namespace, name },
          { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: stable } } },
          fieldManager,
        )
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
    }
  }
  await setFinalizer(client, rollout, false, fieldManager);
}
