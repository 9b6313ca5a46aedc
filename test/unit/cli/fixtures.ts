// Rollouts and what they own, as the controller leaves them at interesting moments, for the
// renderers' golden tests. Times are relative to NOW so ages are stable.
import type { AnalysisRun, Pod, ReplicaSet, Rollout, RolloutView } from "../../../src/cli/render/objects.ts";

export const NOW = new Date("2026-03-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const ahead = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

const ROLLOUT_UID = "uid-rollout";

function rolloutObject(
  name: string,
  image: string,
  spec: Rollout["spec"],
  status: Rollout["status"],
): Rollout {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name, namespace: "shop", uid: ROLLOUT_UID, generation: 4, creationTimestamp: ago(8 * 86400) },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
      ...spec,
    },
    status: { observedGeneration: 4, ...status },
  };
}

interface RsSpec {
  hash: string;
  revision: number;
  image: string;
  replicas: number;
  available?: number;
  ageSeconds: number;
  annotations?: Record<string, string>;
}

function replicaSet(rollout: string, spec: RsSpec): ReplicaSet {
  const available = spec.available ?? spec.replicas;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${rollout}-${spec.hash}`,
      namespace: "shop",
      uid: `uid-rs-${spec.hash}`,
      generation: 2,
      creationTimestamp: ago(spec.ageSeconds),
      labels: { app: rollout, "rollouts-pod-template-hash": spec.hash },
      annotations: { "rollout.argoproj.io/revision": String(spec.revision), ...spec.annotations },
      ownerReferences: [
        { apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: rollout, uid: ROLLOUT_UID },
      ],
    },
    spec: {
      replicas: spec.replicas,
      template: {
        metadata: { labels: { app: rollout } },
        spec: { containers: [{ name: "app", image: spec.image }] },
      },
    },
    status: {
      observedGeneration: 2,
      replicas: spec.replicas,
      readyReplicas: available,
      availableReplicas: available,
    },
  };
}

const POD_SUFFIXES = ["x7k2p", "9qzmt", "b4hnw", "lr8fd", "c2vjs"];

/** `count` pods of a ReplicaSet; the first `notReady` of them not ready yet. */
function podsOf(rs: ReplicaSet, count: number, ageSeconds: number, notReady = 0, restarts = 0): Pod[] {
  return POD_SUFFIXES.slice(0, count).map((suffix, i) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${rs.metadata?.name}-${suffix}`,
      namespace: "shop",
      creationTimestamp: ago(ageSeconds),
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs.metadata?.name ?? "",
          uid: rs.metadata?.uid ?? "",
        },
      ],
    },
    spec: { containers: [{ name: "app" }] },
    status:
      i < notReady
        ? {
            phase: "Pending",
            containerStatuses: [
              { name: "app", ready: false, state: { waiting: { reason: "ContainerCreating" } } },
            ],
          }
        : {
            phase: "Running",
            containerStatuses: [
              { name: "app", ready: true, restartCount: i === 0 ? restarts : 0, state: { running: {} } },
            ],
          },
  }));
}

interface RunSpec {
  name: string;
  revision: number;
  phase: NonNullable<AnalysisRun["status"]>["phase"];
  ageSeconds: number;
  counts: { successful?: number; failed?: number; inconclusive?: number; error?: number };
}

function analysisRun(spec: RunSpec): AnalysisRun {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: spec.name,
      namespace: "shop",
      creationTimestamp: ago(spec.ageSeconds),
      annotations: { "rollout.argoproj.io/revision": String(spec.revision) },
      ownerReferences: [{ apiVersion: "sluice.dev/v1alpha1", kind: "Rollout", name: "x", uid: ROLLOUT_UID }],
    },
    spec: {},
    status: {
      ...(spec.phase ? { phase: spec.phase } : {}),
      metricResults: [{ name: "error-rate", phase: spec.phase ?? "Pending", ...spec.counts }],
    },
  };
}

/** Step 3 of 6 (an analysis step) of an nginx canary at 40%, its step analysis running. */
export function canaryWithAnalysis(): RolloutView {
  const stable = replicaSet("checkout", {
    hash: "6d8f9c7b5",
    revision: 1,
    image: "shop/checkout:1.4.2",
    replicas: 3,
    ageSeconds: 8 * 86400,
  });
  const canary = replicaSet("checkout", {
    hash: "7c4b8d9f6",
    revision: 2,
    image: "shop/checkout:1.5.0",
    replicas: 2,
    ageSeconds: 200,
  });
  const rollout = rolloutObject(
    "checkout",
    "shop/checkout:1.5.0",
    {
      strategy: {
        canary: {
          canaryService: "checkout-canary",
          stableService: "checkout-stable",
          trafficRouting: { nginx: { stableIngress: "checkout" } },
          steps: [
            { setWeight: 20 },
            { pause: {} },
            { setWeight: 40 },
            { analysis: { templates: [{ templateName: "error-rate" }] } },
            { setWeight: 80 },
            { pause: { duration: "1m" } },
          ],
        },
      },
    },
    {
      phase: "Progressing",
      message: "waiting for all steps to complete",
      currentStepIndex: 3,
      stableRS: "6d8f9c7b5",
      currentPodHash: "7c4b8d9f6",
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 5,
      availableReplicas: 5,
      canary: { weights: { canary: { weight: 40 }, stable: { weight: 60 } } },
    },
  );
  return {
    rollout,
    replicaSets: [stable, canary],
    pods: [...podsOf(stable, 3, 8 * 86400, 0, 2), ...podsOf(canary, 2, 190)],
    analysisRuns: [
      analysisRun({
        name: "checkout-7c4b8d9f6-2-3",
        revision: 2,
        phase: "Running",
        ageSeconds: 45,
        counts: { successful: 3 },
      }),
      analysisRun({
        name: "checkout-6d8f9c7b5-1-3",
        revision: 1,
        phase: "Successful",
        ageSeconds: 8 * 86400 - 600,
        counts: { successful: 5 },
      }),
    ],
  };
}

/** Blue/green paused before promotion: the preview ReplicaSet is up, the previous one scaled down. */
export function blueGreenWithPreview(): RolloutView {
  const old = replicaSet("storefront", {
    hash: "5f6c7d8b9",
    revision: 1,
    image: "shop/storefront:2.0.0",
    replicas: 0,
    ageSeconds: 30 * 86400,
  });
  const active = replicaSet("storefront", {
    hash: "8b9c6d4f7",
    revision: 2,
    image: "shop/storefront:2.1.0",
    replicas: 3,
    ageSeconds: 3 * 86400,
  });
  const preview = replicaSet("storefront", {
    hash: "4d7f8c9b6",
    revision: 3,
    image: "shop/storefront:2.2.0",
    replicas: 3,
    available: 2,
    ageSeconds: 95,
  });
  const rollout = rolloutObject(
    "storefront",
    "shop/storefront:2.2.0",
    {
      replicas: 3,
      strategy: {
        blueGreen: {
          activeService: "storefront",
          previewService: "storefront-preview",
          autoPromotionEnabled: false,
          prePromotionAnalysis: { templates: [{ templateName: "smoke" }] },
        },
      },
    },
    {
      phase: "Paused",
      message: "BlueGreenPause",
      stableRS: "8b9c6d4f7",
      currentPodHash: "4d7f8c9b6",
      replicas: 6,
      updatedReplicas: 3,
      readyReplicas: 5,
      availableReplicas: 5,
      pauseConditions: [{ reason: "BlueGreenPause", startTime: ago(60) }],
      blueGreen: { activeSelector: "8b9c6d4f7", previewSelector: "4d7f8c9b6" },
    },
  );
  return {
    rollout,
    replicaSets: [old, active, preview],
    pods: [...podsOf(active, 3, 3 * 86400), ...podsOf(preview, 3, 95, 1)],
    analysisRuns: [
      analysisRun({
        name: "storefront-4d7f8c9b6-3-pre",
        revision: 3,
        phase: "Successful",
        ageSeconds: 80,
        counts: { successful: 2 },
      }),
    ],
  };
}

/** A canary aborted by failed analysis: back on the stable ReplicaSet, the canary scaling down after a delay. */
export function abortedCanary(): RolloutView {
  const stable = replicaSet("payments", {
    hash: "9b6d7c8f4",
    revision: 2,
    image: "shop/payments:3.1.0",
    replicas: 5,
    ageSeconds: 2 * 86400,
  });
  const canary = replicaSet("payments", {
    hash: "6f4c9d7b8",
    revision: 3,
    image: "shop/payments:3.2.0",
    replicas: 1,
    ageSeconds: 400,
    annotations: { "scale-down-deadline": ahead(25) },
  });
  const rollout = rolloutObject(
    "payments",
    "shop/payments:3.2.0",
    {
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { analysis: { templates: [{ templateName: "error-rate" }] } },
            { setWeight: 50 },
            { pause: {} },
          ],
        },
      },
    },
    {
      phase: "Degraded",
      message:
        'RolloutAborted: Rollout aborted update to revision 3: metric "error-rate" assessed Failed due to failed (3) > failureLimit (2)',
      abort: true,
      abortedAt: ago(30),
      currentStepIndex: 1,
      stableRS: "9b6d7c8f4",
      currentPodHash: "6f4c9d7b8",
      replicas: 6,
      updatedReplicas: 1,
      readyReplicas: 6,
      availableReplicas: 6,
    },
  );
  return {
    rollout,
    replicaSets: [stable, canary],
    pods: [...podsOf(stable, 5, 2 * 86400), ...podsOf(canary, 1, 390)],
    analysisRuns: [
      analysisRun({
        name: "payments-6f4c9d7b8-3-1",
        revision: 3,
        phase: "Failed",
        ageSeconds: 300,
        counts: { successful: 2, failed: 3 },
      }),
    ],
  };
}

/** A Rollout the controller refused: Degraded with the validator's message, nothing created. */
export function invalidSpec(): RolloutView {
  const rollout = rolloutObject(
    "inventory",
    "shop/inventory:0.9.0",
    { strategy: { canary: { steps: [{ setWeight: 20 }, { setWeight: 120 }] } } },
    {
      phase: "Degraded",
      message:
        "InvalidSpec: spec.strategy.canary.steps[1].setWeight: must be an integer between 0 and 100, got 120",
    },
  );
  if (rollout.metadata) rollout.metadata.creationTimestamp = ago(20);
  return { rollout, replicaSets: [], pods: [], analysisRuns: [] };
}
