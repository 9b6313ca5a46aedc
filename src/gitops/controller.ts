// The Application controller (the Git core's thin shell): wires the repository cache, the
// managed-object informers and the reconcile (reconcile.ts). An Application is looked at when it
// changes (not when only its status does: that is this controller's own write), when one of its
// managed objects changes (the tracking label names it), on its requeue timers (poll with jitter,
// self-heal backoff), and at once on the refresh annotation (also Argo CD's), which is taken off
// once the refresh is done. Deleting an Application deletes or orphans what it applied (delete.ts).
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Application } from "../api/application.ts";
import { keyOf } from "../controller/cache.ts";
import type { ControllerSetup } from "../controller/kernel.ts";
import { jsonEqual } from "../controller/status.ts";
import { isNotFound, KubeError } from "../kube/errors.ts";
import { Applications } from "../kube/resources.ts";
import { GITOPS_FIELD_MANAGER } from "./apply/sync.ts";
import { Comparer } from "./compare.ts";
import { Teardown } from "./delete.ts";
import { ManagedObjects } from "./live.ts";
import type { Shell } from "./look.ts";
import { GitopsMetrics } from "./metrics.ts";
import { RESUME_ANNOTATION } from "./operation.ts";
import { REFRESH_ANNOTATIONS, reconcileApp } from "./reconcile.ts";
import { RepoCredentials } from "./source/credentials.ts";
import { RepoCache } from "./source/repo-cache.ts";
import { SourceCache } from "./source/source-cache.ts";

export interface ApplicationConfig {
  /** Where repository mirrors and checkouts live (a fresh directory under the temp dir by default). */
  repoCacheDir?: string;
  /** How often a repository is polled (default 3 min, ±10 % jitter). */
  pollMs?: number;
  /** Deadline of one clone or fetch (default 60 s). */
  fetchTimeoutMs?: number;
  /**
   * The namespace whose Applications are honoured (default: the kernel's, else "default"): an
   * Application elsewhere could point anywhere with sluice's rights (DESIGN.md §8 tenancy).
   */
  namespace?: string;
  /** The kustomize and helm binaries (default: on PATH). */
  kustomizePath?: string;
  helmPath?: string;
  /**
   * The only namespaces Applications may deploy into; their objects are watched namespace by
   * namespace, so Roles in them are all the Git side needs (default: any namespace the kernel
   * watches, with cluster-wide informers).
   */
  destinationNamespaces?: readonly string[];
  /** Kustomize/helm renders at once, across all Applications (default 4). */
  renderConcurrency?: number;
}

/** The refresh (and resume) annotations are taken off once what they asked for is done (as Argo CD does). */
async function clearRefresh(shell: Shell, app: Application) {
  const seen = app.metadata?.annotations ?? {};
  const present = [...REFRESH_ANNOTATIONS, RESUME_ANNOTATION].filter((a) => seen[a] !== undefined);
  if (present.length === 0) return;
  // Only the values this look acted on are taken off: a refresh asked for meanwhile (a webhook
  // push during the look) fails the test, stays, and makes the next look.
  const pointer = (a: string) => `/metadata/annotations/${a.replaceAll("~", "~0").replaceAll("/", "~1")}`;
  const operations = present.flatMap((a) => [
    { op: "test" as const, path: pointer(a), value: seen[a] },
    { op: "remove" as const, path: pointer(a) },
  ]);
  const ref = { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" };
  await shell.kernel.client
    .jsonPatch(Applications, ref, operations, GITOPS_FIELD_MANAGER)
    .catch((error: unknown) => {
      if (!(error instanceof KubeError && (error.statusCode === 422 || isNotFound(error)))) throw error;
    });
}

/**
 * An update worth a look: anything but the status (which this controller writes itself) and the
 * removal of a refresh or resume annotation (clearRefresh's own patch, after the look it asked
 * for: a second look then found nothing new, and cost a worker per refreshed Application).
 */
export function changedBeyondStatus(app: Application, old: Application | undefined): boolean {
  if (!old) return true;
  const { status: _a, metadata: m1, ...rest1 } = app;
  const { status: _b, metadata: m2, ...rest2 } = old;
  const annotations = m1?.annotations ?? {};
  const before = { ...(m2?.annotations ?? {}) };
  for (const key of [...REFRESH_ANNOTATIONS, RESUME_ANNOTATION])
    if (!(key in annotations)) delete before[key];
  return (
    !jsonEqual(rest1, rest2) ||
    m1?.generation !== m2?.generation ||
    m1?.deletionTimestamp !== m2?.deletionTimestamp ||
    !jsonEqual(annotations, before) ||
    !jsonEqual(m1?.labels ?? {}, m2?.labels ?? {})
  );
}

/** The Applications whose dependsOn names `app` (same namespace). */
function dependentsOf(app: Application, all: Iterable<Application>): Application[] {
  const name = app.metadata?.name ?? "";
  return [...all].filter(
    (other) => other.metadata?.namespace === app.metadata?.namespace && other.spec?.dependsOn?.includes(name),
  );
}

/** Where Applications may deploy: the flag's namespaces, else the one the kernel watches, else any. */
function destinationsOf(config: ApplicationConfig, watched: string | undefined): Shell["destinations"] {
  if (config.destinationNamespaces?.length)
    return { namespaces: config.destinationNamespaces, flag: "--destination-namespaces" };
  return watched ? { namespaces: [watched], flag: "--namespace" } : undefined;
}

/** Drops what this process keeps about an Application that is gone (teardown decides about its objects). */
function forgetApplication(shell: Shell, teardown: Teardown, key: string, app: Application): void {
  shell.writer.tracker.forget(key);
  shell.sources.forget(app);
  shell.comparer.forget(`${key}|`);
  shell.heals.delete(key);
  shell.metrics.forget(key);
  teardown.gone(key, app);
}

export function applicationControllerWith(config: ApplicationConfig = {}): ControllerSetup {
  return (kernel) => {
    const apps = kernel.informer<Application>({
      type: Applications,
      namespace: config.namespace ?? kernel.namespace ?? "default",
      labelSelector: kernel.instanceSelector,
    });
    const ownsCacheDir = config.repoCacheDir === undefined;
    const root = config.repoCacheDir ?? join(tmpdir(), `sluice-repos-${randomBytes(4).toString("hex")}`);
    let controller: ReturnType<typeof kernel.controller> | undefined;
    const waitingForOwnWrite = new Set<string>();
    const enqueueNamed = (name: string) => {
      for (const app of apps.cache.values()) if (app.metadata?.name === name) controller?.enqueue(keyOf(app));
    };
    const metrics = new GitopsMetrics(kernel.options.metrics.registry);
    const destinations = destinationsOf(config, kernel.namespace);
    const shell: Shell = {
      kernel,
      cache: new RepoCache(root, {
        ...(config.fetchTimeoutMs !== undefined ? { fetchTimeoutMs: config.fetchTimeoutMs } : {}),
        onRequest: (r) => metrics.gitRequest(r),
        // Repository credentials live beside the Applications they serve (DESIGN.md §8 tenancy).
        credentials: new RepoCredentials(kernel.client, config.namespace ?? kernel.namespace ?? "default", {
          onNote: (note) => kernel.logger.warn(note),
        }).provider,
      }),
      metrics,
      sources: new SourceCache({
        ...config,
        onRender: (type, seconds, ok) => metrics.rendered(type, seconds, ok),
      }),
      writer: kernel.statusWriter(GITOPS_FIELD_MANAGER),
      events: kernel.events(GITOPS_FIELD_MANAGER),
      pollMs: config.pollMs ?? 180_000,
      live: new ManagedObjects(kernel, enqueueNamed, destinations?.namespaces),
      destinations,
      comparer: new Comparer(kernel.client),
      application: (namespace, name) => apps.cache.get(`${namespace}/${name}`),
      heals: new Map(),
    };
    const teardown = new Teardown(shell);
    controller = kernel.controller({
      name: "application",
      workers: kernel.options.workers ?? 10,
      reconcile: async ({ key }) => {
        const app = apps.cache.get(key);
        // Gone without a resources finalizer: what it applied stays, untracked (delete.ts).
        if (!app?.metadata) return teardown.orphanLeftBehind(key);
        if (shell.writer.tracker.isStale(key, app.metadata.resourceVersion)) {
          // Looked at again when our own write reaches the cache (an update this handler would
          // otherwise skip as status-only).
          waitingForOwnWrite.add(key);
          return undefined;
        }
        if (app.metadata.deletionTimestamp) return teardown.finalize(app);
        const started = performance.now();
        const result = await reconcileApp(shell, app, key);
        await clearRefresh(shell, app);
        metrics.reconciled((performance.now() - started) / 1000);
        return result;
      },
    });
    // Mirrors and checkouts in a directory this process made are removed with it.
    if (ownsCacheDir) kernel.onStop(() => rm(root, { recursive: true, force: true }));
    apps.on((event, app, old) => {
      const key = keyOf(app);
      if (event === "delete") forgetApplication(shell, teardown, key, app);
      else teardown.present(key);
      if (event !== "update" || changedBeyondStatus(app, old) || waitingForOwnWrite.delete(key))
        controller?.enqueue(key);
      // Applications that depend on this one look again when it changes (its status included).
      for (const other of dependentsOf(app, apps.cache.values())) controller?.enqueue(keyOf(other));
    });
  };
}
