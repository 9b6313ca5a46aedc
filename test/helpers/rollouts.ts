// Helpers for Rollout integration tests: install the CRD, make Services, watch a Rollout until a
// condition holds, and read ReplicaSet scales and Service selectors by pod-template hash.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Rollout } from "../../src/api/rollout.ts";
import { ReplicaSets, Rollouts, Services } from "../../src/kube/resources.ts";
import { POD_TEMPLATE_HASH_LABEL } from "../../src/rollout/hash.ts";
import type { ReplicaSet, Service } from "../../src/rollout/world.ts";
import { installAnalysisCrds } from "./exporter.ts";
import { testClient } from "./kube.ts";
import { ensureCrd } from "./sluice.ts";
import { pending, waitFor } from "./wait.ts";

const crdFile = resolve(fileURLToPath(import.meta.url), "../../../crds/rollout.yaml");

/**
 * The Rollout CRD, and the analysis CRDs with it: the Rollout controller watches AnalysisRuns and
 * does not start without them (a test must not depend on another having installed them first).
 */
export async function installRolloutCrd(): Promise<void> {
  await ensureCrd(parse(await readFile(crdFile, "utf8")));
  await installAnalysisCrds();
}

export const podTemplate = (image: string, labels: Record<string, string> = {}) => ({
  metadata: { labels: { app: "web", ...labels } },
  spec: { containers: [{ name: "web", image }] },
});

export async function createServices(
  namespace: string,
  names: string[],
  selector = { app: "web" },
): Promise<void> {
  for (const name of names) {
    await testClient().create<Service>(
      Services,
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace },
        spec: { selector, ports: [{ port: 80 }] } as never,
      },
      "test",
    );
  }
}

export function rolloutIn(namespace: string, name = "web") {
  const client = testClient();
  const get = () => client.get<Rollout>(Rollouts, { namespace, name });
  const until = (what: string, ok: (r: Rollout) => boolean, timeoutMs = 30_000) =>
    waitFor(
      what,
      async () => {
        const r = await get();
        return ok(r)
          ? r
          : pending(
              JSON.stringify({
                phase: r.status?.phase,
                message: r.status?.message,
                state: r.status?.sluice?.machine?.value,
                step: r.status?.currentStepIndex,
              }),
            );
      },
      { timeoutMs, intervalMs: 100 },
    );
  /**
   * A spec change the controller ignores (revisionHistoryLimit 9 ↔ 10, with fewer ReplicaSets than
   * that) moves metadata.generation; every reconcile writes status.observedGeneration, so once it
   * is seen a reconcile has begun after the change and written its status. Resolves with the
   * Rollout as that status write left it.
   */
  const newGeneration = async () => {
    const limit = (await get()).spec?.revisionHistoryLimit === 9 ? 10 : 9;
    const patched = await client.mergePatch<Rollout>(
      Rollouts,
      { namespace, name },
      { spec: { revisionHistoryLimit: limit } },
      "test",
    );
    const generation = patched.metadata?.generation ?? 0;
    return until(
      `the controller to observe generation ${generation}`,
      (r) => (r.status?.observedGeneration ?? 0) >= generation,
    );
  };
  return {
    get,
    until,
    newGeneration,
    /**
     * Waits until a reconcile begun after this call is over, writes after its status write
     * (finalizer, run housekeeping, Events) included: one new generation starts it, a second one
     * is observed only by a later reconcile, and one key is never reconciled twice at once.
     */
    lookFinished: async () => {
      await newGeneration();
      return newGeneration();
    },
    patchSpec: (spec: Record<string, unknown>) =>
      client.mergePatch(Rollouts, { namespace, name }, { spec }, "test"),
    /** A status patch as the kubectl plugin makes it (promote, abort, retry). */
    patchStatus: (status: Record<string, unknown>) =>
      client.mergePatch(Rollouts, { namespace, name }, { status }, "kubectl-sluice", {
        subresource: "status",
      }),
  };
}

/** pod-template hash → [spec.replicas, availableReplicas] of each ReplicaSet in the namespace. */
export async function scalesByHash(namespace: string): Promise<Record<string, [number, number]>> {
  const list = await testClient().list<ReplicaSet>(ReplicaSets, { namespace });
  return Object.fromEntries(
    list.items.map((rs) => [
      rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "?",
      [rs.spec?.replicas ?? 0, rs.status?.availableReplicas ?? 0],
    ]),
  );
}

export async function selectorHash(namespace: string, service: string): Promise<string | undefined> {
  const svc = await testClient().get<Service>(Services, { namespace, name: service });
  return svc.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
}

/** Creates Rollout `name` (default "web": 2 replicas of web:1, selector app=web) with `strategy`. */
export async function createRollout(
  namespace: string,
  strategy: NonNullable<NonNullable<Rollout["spec"]>["strategy"]>,
  options: {
    name?: string;
    replicas?: number;
    labels?: Record<string, string>;
    /** Further spec fields. */
    spec?: Partial<NonNullable<Rollout["spec"]>>;
  } = {},
): Promise<Rollout> {
  return testClient().create<Rollout>(
    Rollouts,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Rollout",
      metadata: {
        name: options.name ?? "web",
        namespace,
        ...(options.labels ? { labels: options.labels } : {}),
      },
      spec: {
        replicas: options.replicas ?? 2,
        selector: { matchLabels: { app: "web" } },
        template: podTemplate("web:1"),
        strategy,
        ...options.spec,
      },
    },
    "test",
  );
}
