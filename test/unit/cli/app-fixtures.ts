// Applications as the controller leaves them at telling moments, for the app renderers' golden
// tests. Times are relative to NOW so ages are stable.
import type { Application } from "../../../src/api/application.ts";
import { NOW } from "./fixtures.ts";

export { NOW };

const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

export const SHA = "3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291";
const OLD_SHA = "9a8b7c6d5e4f30211a2b3c4d5e6f708192a3b4c5";

function app(name: string, spec: Partial<Application["spec"]>, status: Application["status"]): Application {
  return {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "shop", generation: 3, creationTimestamp: ago(3 * 86400) },
    spec: {
      project: "default",
      source: {
        repoURL: "https://git.example.com/shop/deploy.git",
        targetRevision: "main",
        path: "apps/web",
      },
      destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
      ...spec,
    },
    status: { observedGeneration: 3, ...status },
  };
}

/** Synced and Healthy after an automated sync. */
export const syncedHealthy = () =>
  app(
    "web",
    {},
    {
      sync: { status: "Synced", revision: SHA },
      health: { status: "Healthy" },
      reconciledAt: ago(40),
      operationState: {
        operation: { sync: { revision: SHA, prune: true }, initiatedBy: { automated: true } },
        phase: "Succeeded",
        message: "successfully synced (all tasks run)",
        startedAt: ago(125),
        finishedAt: ago(123),
        syncResult: { revision: SHA, resources: [] },
      },
      resources: [
        {
          group: "",
          version: "v1",
          kind: "ConfigMap",
          namespace: "shop",
          name: "web-config",
          status: "Synced",
        },
        {
          group: "",
          version: "v1",
          kind: "Service",
          namespace: "shop",
          name: "web",
          status: "Synced",
          health: { status: "Healthy" },
        },
        {
          group: "sluice.dev",
          version: "v1alpha1",
          kind: "Rollout",
          namespace: "shop",
          name: "web",
          status: "Synced",
          health: { status: "Healthy" },
        },
      ],
    },
  );

/** Manual sync policy, OutOfSync: one object drifted, one left to prune, a failed manual sync, a pending request. */
export const outOfSyncDegraded = () => {
  const a = app(
    "billing",
    { syncPolicy: {}, source: { repoURL: "file:///srv/git/billing", path: "deploy" } },
    {
      sync: { status: "OutOfSync", revision: SHA },
      health: { status: "Degraded", message: "Rollout/billing: aborted: analysis failed" },
      reconciledAt: ago(300),
      conditions: [
        {
          type: "SyncError",
          status: "True",
          message: "Service/billing: spec.ports[0].port: Invalid value: 99999999",
          lastTransitionTime: ago(600),
        },
      ],
      operationState: {
        operation: { sync: { revision: OLD_SHA, prune: false }, initiatedBy: { username: "alice" } },
        phase: "Failed",
        message: "one or more objects failed to apply",
        startedAt: ago(610),
        finishedAt: ago(600),
        syncResult: { revision: OLD_SHA, resources: [] },
      },
      resources: [
        {
          group: "apps",
          version: "v1",
          kind: "Deployment",
          namespace: "shop",
          name: "billing-worker",
          status: "OutOfSync",
          message: "differs from Git at /spec/replicas",
          health: { status: "Progressing", message: "1 of 2 updated replicas are available" },
        },
        {
          group: "sluice.dev",
          version: "v1alpha1",
          kind: "Rollout",
          namespace: "shop",
          name: "billing",
          status: "Synced",
          health: { status: "Degraded", message: "aborted: analysis failed" },
        },
        {
          group: "",
          version: "v1",
          kind: "ConfigMap",
          namespace: "shop",
          name: "billing-legacy",
          status: "OutOfSync",
          requiresPruning: true,
        },
      ],
    },
  );
  a.operation = { sync: { revision: "release-2", prune: true }, initiatedBy: { username: "bob" } };
  return a;
};

/** Just created: the controller has not looked yet. */
export const fresh = () => {
  const a = app(
    "search",
    {
      source: { repoURL: "https://git.example.com/search.git", path: "" },
      destination: { name: "in-cluster", namespace: "search" },
    },
    undefined,
  );
  if (a.metadata) {
    a.metadata.namespace = "search";
    a.metadata.creationTimestamp = ago(5);
  }
  delete a.status;
  return a;
};
