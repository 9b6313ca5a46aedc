// Shared set-up of the traffic-routing tests: a namespace with the stable and canary Services and
// sluice's Rollout controller, a 10-replica Rollout with the router config a test gives, sluice's
// writes to a resource counted from the audit log, and watch events ordered by etcd revision.
import type { TestContext } from "node:test";
import type { CanaryStrategy, Rollout } from "../../src/api/rollout.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/types.ts";
import { rolloutController } from "../../src/rollout/controller.ts";
import { readAuditEvents } from "./audit.ts";
import { useNamespace } from "./kube.ts";
import { createServices, installRolloutCrd, podTemplate } from "./rollouts.ts";
import { startSluice } from "./sluice.ts";
import { installTrafficCrds } from "./traffic-crds.ts";

/** A namespace with web-stable and web-canary, and sluice running on it (routes' CRDs on request). */
export async function setUpTraffic(t: TestContext, prefix: string, options: { routeCrds?: boolean } = {}) {
  await installRolloutCrd();
  if (options.routeCrds) await installTrafficCrds();
  const namespace = await useNamespace(t, prefix);
  await createServices(namespace, ["web-stable", "web-canary"]);
  await startSluice(t, [rolloutController], { namespace });
  return namespace;
}

/** Rollout "web": 10 replicas of web:1, canary between web-stable and web-canary, plus `canary`. */
export function trafficRollout(
  namespace: string,
  steps: unknown[],
  canary: Partial<CanaryStrategy>,
): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace },
    spec: {
      replicas: 10,
      selector: { matchLabels: { app: "web" } },
      template: podTemplate("web:1"),
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          steps: steps as never,
          ...canary,
        },
      },
    },
  };
}

/** How many writes sluice made to `resource` in `namespace` (audit log). */
export async function sluiceWrites(namespace: string, resource: string): Promise<number> {
  const events = await readAuditEvents();
  return events.filter(
    (e) =>
      e.objectRef?.namespace === namespace &&
      e.objectRef.resource === resource &&
      e.userAgent?.startsWith("sluice/"),
  ).length;
}

/** The etcd revision of a watched change (one counter across all objects in this harness). */
export const revisionOf = (e: WatchEvent<KubeObject>) => Number(e.object.metadata?.resourceVersion ?? 0);

/** The first write (by revision) at which `ok` held for an object of the watch; Infinity if none. */
export const firstRevision = <T extends KubeObject>(
  events: readonly WatchEvent<T>[],
  ok: (o: T) => boolean,
) =>
  events
    .filter((e) => ok(e.object))
    .reduce((min, e) => Math.min(min, revisionOf(e)), Number.POSITIVE_INFINITY);

/** The steps of every router's walk: 5 → 25 → 50 %, each paused until promoted. */
export const WALK_STEPS = [
  { setWeight: 5 },
  { pause: {} },
  { setWeight: 25 },
  { pause: {} },
  { setWeight: 50 },
  { pause: {} },
];

/** The first revision at which the canary ReplicaSet of `hash` had `pods` available. */
export const podsReadyAt = <T extends KubeObject & { status?: { availableReplicas?: number } }>(
  events: readonly WatchEvent<T>[],
  hash: string,
  pods: number,
) =>
  firstRevision(
    events,
    (rs) =>
      rs.metadata?.labels?.["rollouts-pod-template-hash"] === hash &&
      (rs.status?.availableReplicas ?? 0) >= pods,
  );

/**
 * Walks WALK_STEPS: checks each pause with `atStep(stepIndex, weight, canaryPods)`, promotes past it,
 * and returns the canary's hash once it is the Healthy stable.
 */
export async function walk(
  web: {
    patchStatus: (s: Record<string, unknown>) => Promise<unknown>;
    until: (what: string, ok: (r: Rollout) => boolean, timeoutMs?: number) => Promise<Rollout>;
  },
  atStep: (index: number, weight: number, canaryPods: number) => Promise<string>,
): Promise<string> {
  let canaryHash = "";
  for (const [index, weight, pods] of [
    [1, 5, 1],
    [3, 25, 3],
    [5, 50, 5],
  ] as const) {
    canaryHash = await atStep(index, weight, pods);
    await web.patchStatus({ pauseConditions: null });
  }
  await web.until(
    "v2 Healthy",
    (r) => r.status?.phase === "Healthy" && r.status.stableRS === canaryHash,
    60_000,
  );
  return canaryHash;
}
