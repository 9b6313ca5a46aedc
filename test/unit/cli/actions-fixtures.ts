// Rollouts and ReplicaSets for the mutating commands' deciders: a canary or blue/green at a given
// moment of an update, and ReplicaSets made by the controller's own code with the API server's
// defaults added, as `undo` finds them.
import type { Rollout, RolloutSpec, RolloutStatus } from "../../../src/api/rollout.ts";
import { newReplicaSet } from "../../../src/rollout/apply-plan.ts";
import { podTemplateHash } from "../../../src/rollout/hash.ts";
import type { ReplicaSet } from "../../../src/rollout/world.ts";

export const UID = "uid-web";

export const template = (image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }], ...extra },
});

export const canarySteps = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];

export function rollout(
  status: RolloutStatus = {},
  spec: Partial<RolloutSpec> = {},
  metadata: Record<string, unknown> = {},
): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop", uid: UID, resourceVersion: "100", ...metadata },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      template: template("web:2"),
      strategy: { canary: { steps: canarySteps } },
      ...spec,
    },
    status: { stableRS: "stable1", currentPodHash: "stable1", currentStepIndex: 4, ...status },
  };
}

/** Mid-update: the new pods are not the stable ones yet. */
export const updating = (status: RolloutStatus = {}, spec: Partial<RolloutSpec> = {}) =>
  rollout({ currentPodHash: "new2", currentStepIndex: 0, ...status }, spec);

export const pausedAtStep = (index: number, status: RolloutStatus = {}, spec: Partial<RolloutSpec> = {}) =>
  updating(
    {
      currentStepIndex: index,
      pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-03-01T12:00:00Z" }],
      ...status,
    },
    spec,
  );

export const blueGreen = { blueGreen: { activeService: "web-active", autoPromotionEnabled: false } };

/** What the API server adds to a pod template a ReplicaSet carries. */
export function withDefaults(t: ReturnType<typeof template>): ReturnType<typeof template> {
  const copy = structuredClone(t) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  copy.metadata.creationTimestamp = null;
  copy.spec = {
    restartPolicy: "Always",
    dnsPolicy: "ClusterFirst",
    schedulerName: "default-scheduler",
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    ...copy.spec,
    containers: (copy.spec.containers as Record<string, unknown>[]).map((c) => ({
      imagePullPolicy: "IfNotPresent",
      resources: {},
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      ...c,
    })),
  };
  return copy as ReturnType<typeof template>;
}

/**
 * The ReplicaSet the controller makes for `owner`'s template at `revision`, as read back from the
 * API server (defaults filled in).
 */
export function replicaSetFor(owner: Rollout, revision: number, ownerUid = UID): ReplicaSet {
  const hash = podTemplateHash(owner.spec?.template ?? {}, owner.status?.collisionCount ?? 0);
  const owned = Array.from({ length: revision - 1 }, (_, i) => ({
    metadata: { annotations: { "rollout.argoproj.io/revision": String(i + 1) } },
  }));
  const rs = newReplicaSet(owner, hash, 0, owned);
  const ownerReferences = (rs.metadata?.ownerReferences ?? []).map((o) => ({ ...o, uid: ownerUid }));
  return {
    ...rs,
    metadata: { ...rs.metadata, ownerReferences },
    spec: { ...rs.spec, template: withDefaults(rs.spec?.template as ReturnType<typeof template>) },
  };
}

/** RFC 7386: what a merge patch does to a document. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
