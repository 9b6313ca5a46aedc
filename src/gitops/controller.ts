// The Application controller (the Git core's thin shell): validate, read the source at its
// revision (manifests.ts), place every object (placement.ts: namespace, tracking label and
// annotation, tenancy), and — with automated sync or a sync operation — dry-run then apply them all
// (sync.ts); status says which revision is synced, per object, and how the operation ended.
// Repositories are polled (default 3 min, with jitter) and refreshed at once by the refresh
// annotation (also Argo CD's). Health per object (health/) and for the Application (the worst). Not
// yet: diff against live, prune, self-heal (issue 12 b–d).
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Application, ApplicationStatus } from "../api/application.ts";
import { validateApplication } from "../api/application-validation.ts";
import { keyOf } from "../controller/cache.ts";
import type { ControllerSetup, Kernel } from "../controller/kernel.ts";
import { isNotFound, isUnknownKind } from "../kube/errors.ts";
import { Applications } from "../kube/resources.ts";
import { setCondition } from "../rollout/conditions.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { applyOrder, type Placed, place } from "./apply/placement.ts";
import { GITOPS_FIELD_MANAGER, type SyncOutcome, syncObjects } from "./apply/sync.ts";
import { healthOf, worst } from "./health/index.ts";
import { ComparisonError, manifestsOf } from "./source/manifests.ts";
import { RepoCache } from "./source/repo-cache.ts";
import { SourceCache } from "./source/source-cache.ts";

const REFRESH_ANNOTATIONS = ["sluice.dev/refresh", "argocd.argoproj.io/refresh"];

export interface ApplicationConfig {
  /** Where repository mirrors and checkouts live (a fresh directory under the temp dir by default). */
  repoCacheDir?: string;
  /** How often a repository is polled (default 3 min, ±10 % jitter). */
  pollMs?: number;
}

interface Shell {
  kernel: Kernel;
  cache: RepoCache;
  sources: SourceCache;
  writer: ReturnType<Kernel["statusWriter"]>;
  events: ReturnType<Kernel["events"]>;
  pollMs: number;
}

const now = (shell: Shell) => new Date(shell.kernel.clock.now()).toISOString();

/** A status with one condition set (or the ComparisonError/InvalidSpecError ones cleared). */
function withCondition(
  app: Application,
  shell: Shell,
  type: string | undefined,
  message = "",
): ApplicationStatus {
  let conditions = (app.status?.conditions ?? []).filter(
    (c) => c.type !== "ComparisonError" && c.type !== "InvalidSpecError",
  );
  if (type)
    conditions = setCondition(conditions, { type, status: "True", reason: type, message }, now(shell));
  return {
    ...app.status,
    conditions,
    reconciledAt: now(shell),
    observedGeneration: app.metadata?.generation ?? 0,
  };
}

/** Every rendered object placed, or the refusals (a kind the cluster does not serve is one). */
async function placeAll(
  shell: Shell,
  app: Application,
  objects: Awaited<ReturnType<typeof manifestsOf>>["rendered"],
) {
  const placed: { placed: Placed; plural: string }[] = [];
  const refused: string[] = [];
  const target = {
    name: app.metadata?.name ?? "",
    destinationNamespace: app.spec?.destination?.namespace ?? "",
  };
  for (const { object, file } of objects) {
    try {
      const resource = await shell.kernel.dynamicClient.discovery.resourceFor({
        ...splitApiVersion(object.apiVersion ?? ""),
        kind: object.kind ?? "",
      });
      const result = place(object, resource.namespaced, target);
      if ("refused" in result) refused.push(`${file}: ${result.refused}`);
      else placed.push({ placed: result, plural: resource.plural });
    } catch (error) {
      if (!isUnknownKind(error)) throw error;
      refused.push(`${file}: ${(error as Error).message}`);
    }
  }
  const ordered = applyOrder(placed.map((p) => p.placed)).map(
    (p) => placed.find((x) => x.placed === p) ?? { placed: p, plural: "" },
  );
  return { ordered, refused };
}

const splitApiVersion = (apiVersion: string) => {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

const wantsSync = (app: Application) => {
  const automated = app.spec?.syncPolicy?.automated;
  return automated !== undefined && automated.enabled !== false;
};

async function sync(
  shell: Shell,
  app: Application,
  sha: string,
  ordered: { placed: Placed; plural: string }[],
) {
  const startedAt = now(shell);
  const outcome: SyncOutcome = await syncObjects(shell.kernel.client, ordered);
  const reason = outcome.ok ? Reasons.SyncSucceeded : Reasons.SyncFailed;
  await shell.events.record(
    app,
    outcome.ok ? "Normal" : "Warning",
    reason,
    `Sync to ${sha.slice(0, 7)}: ${outcome.message}`,
  );
  const operationState: ApplicationStatus["operationState"] = {
    phase: outcome.ok ? "Succeeded" : "Failed",
    message: outcome.message,
    startedAt,
    finishedAt: now(shell),
    syncResult: { revision: sha, resources: outcome.resources },
  };
  return { outcome, operationState };
}

/** Status after this look: synced now (automated or asked for), or Synced/OutOfSync as last left. */
async function lookStatus(
  shell: Shell,
  app: Application,
  sha: string,
  ordered: { placed: Placed; plural: string }[],
) {
  const resources = ordered.map(({ placed }) => ({
    group: placed.group,
    version: placed.version,
    kind: placed.object.kind ?? "",
    ...(placed.object.metadata?.namespace ? { namespace: placed.object.metadata.namespace } : {}),
    name: placed.object.metadata?.name ?? "",
  }));
  const last = app.status?.operationState;
  const synced = app.status?.sync?.revision === sha && last?.phase === "Succeeded";
  // As Argo CD's automated sync: one attempt per revision; a failed one is not retried by itself.
  const failedHere = last?.phase === "Failed" && last.syncResult?.revision === sha;
  const status = withCondition(app, shell, undefined);
  if (app.operation || (wantsSync(app) && !synced && !failedHere)) {
    const { outcome, operationState } = await sync(shell, app, sha, ordered);
    status.operationState = operationState;
    status.sync = { status: outcome.ok ? "Synced" : "OutOfSync", revision: sha };
    status.resources = resources.map((r) => ({ ...r, status: outcome.ok ? "Synced" : "OutOfSync" }));
  } else {
    status.sync = { status: synced ? "Synced" : "OutOfSync", revision: sha };
    status.resources = resources.map((r) => ({ ...r, status: synced ? "Synced" : "OutOfSync" }));
  }
  return status;
}

async function reconcileApp(shell: Shell, app: Application) {
  const problems = validateApplication(app);
  if (problems.length > 0)
    return refuseInvalid(shell, app, problems.map((p) => `${p.path}: ${p.message}`).join("; "));
  let sha: string;
  let rendered: Awaited<ReturnType<typeof manifestsOf>>["rendered"];
  try {
    ({ sha, rendered } = await readSource(shell, app));
  } catch (error) {
    if (!(error instanceof ComparisonError)) throw error;
    return comparisonFailed(shell, app, error.message);
  }
  const { ordered, refused } = await placeAll(shell, app, rendered);
  if (refused.length > 0) return comparisonFailed(shell, app, refused.join("; "));
  const status = await lookStatus(shell, app, sha, ordered);
  const unsettled = await observeHealth(shell, ordered, status);
  await shell.writer.write(Applications, app, status);
  // As Argo CD: the operation is done once its state is recorded (status first: this patch moves
  // the object's resourceVersion, which the status write is conditional on).
  if (app.operation) {
    const ref = { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" };
    await shell.kernel.client.mergePatch(Applications, ref, { operation: null }, GITOPS_FIELD_MANAGER);
  }
  // Until watches on the managed objects drive it (self-heal, next slice), an Application whose
  // objects are still coming up is looked at again soon rather than at the next poll.
  return { requeueAfterMs: unsettled ? Math.min(5_000, shell.pollMs) : jittered(shell.pollMs) };
}

/** Reads each object's live state for its health; the Application's is the worst. True while any settles. */
async function observeHealth(
  shell: Shell,
  ordered: { placed: Placed; plural: string }[],
  status: ApplicationStatus,
): Promise<boolean> {
  const healths = [];
  for (const [i, { placed, plural }] of ordered.entries()) {
    const kind = placed.object.kind ?? "";
    const type = {
      group: placed.group,
      version: placed.version,
      kind,
      plural,
      namespaced: placed.namespaced,
    };
    const ref = { namespace: placed.object.metadata?.namespace, name: placed.object.metadata?.name ?? "" };
    const live = await shell.kernel.client.get(type, ref).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    const health = healthOf(placed.group, live);
    healths.push(health);
    const resource = status.resources?.[i];
    if (resource) resource.health = health;
  }
  status.health = worst(healths);
  return healths.some((h) => h.status === "Progressing" || h.status === "Missing");
}

/**
 * The source's objects: the last reading unless this look is a refresh (annotation, operation,
 * changed source) or the poll interval has passed since it was read.
 */
async function readSource(shell: Shell, app: Application) {
  const key = SourceCache.keyOf(app);
  const now = shell.kernel.clock.now();
  const refresh =
    app.operation !== undefined || REFRESH_ANNOTATIONS.some((a) => app.metadata?.annotations?.[a]);
  const kept = refresh ? undefined : shell.sources.fresh(key, now, shell.pollMs);
  if (kept) return kept;
  const reading = await manifestsOf(shell.cache, app, shell.sources);
  shell.sources.remember(key, { ...reading, at: now });
  return reading;
}

/** An Application sluice cannot act on: InvalidSpecError (condition, one Event), nothing fetched. */
async function refuseInvalid(shell: Shell, app: Application, message: string) {
  if (!app.status?.conditions?.some((c) => c.type === "InvalidSpecError" && c.message === message))
    await shell.events.record(app, "Warning", Reasons.InvalidSpec, message);
  const status = {
    ...withCondition(app, shell, "InvalidSpecError", message),
    sync: { status: "Unknown" as const },
  };
  await shell.writer.write(Applications, app, status);
  return undefined;
}

async function comparisonFailed(shell: Shell, app: Application, message: string) {
  if (!app.status?.conditions?.some((c) => c.type === "ComparisonError" && c.message === message))
    await shell.events.record(app, "Warning", Reasons.ComparisonError, message);
  await shell.writer.write(Applications, app, {
    ...withCondition(app, shell, "ComparisonError", message),
    sync: { status: "Unknown" },
  });
  return { requeueAfterMs: jittered(shell.pollMs) };
}

const jittered = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));

/** The refresh annotation is taken off once the refresh it asked for is done (as Argo CD does). */
async function clearRefresh(shell: Shell, app: Application) {
  const present = REFRESH_ANNOTATIONS.filter((a) => app.metadata?.annotations?.[a] !== undefined);
  if (present.length === 0) return;
  const annotations = Object.fromEntries(present.map((a) => [a, null]));
  const ref = { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" };
  await shell.kernel.client.mergePatch(
    Applications,
    ref,
    { metadata: { annotations } },
    GITOPS_FIELD_MANAGER,
  );
}

export function applicationControllerWith(config: ApplicationConfig = {}): ControllerSetup {
  return (kernel) => {
    const apps = kernel.informer<Application>({ type: Applications });
    const root = config.repoCacheDir ?? join(tmpdir(), `sluice-repos-${randomBytes(4).toString("hex")}`);
    const shell: Shell = {
      kernel,
      cache: new RepoCache(root),
      sources: new SourceCache(),
      writer: kernel.statusWriter(GITOPS_FIELD_MANAGER),
      events: kernel.events(GITOPS_FIELD_MANAGER),
      pollMs: config.pollMs ?? 180_000,
    };
    const controller = kernel.controller({
      name: "application",
      workers: kernel.options.workers ?? 4,
      reconcile: async ({ key }) => {
        const app = apps.cache.get(key);
        if (!app?.metadata || app.metadata.deletionTimestamp) return undefined;
        if (shell.writer.tracker.isStale(key, app.metadata.resourceVersion)) return undefined;
        const result = await reconcileApp(shell, app);
        await clearRefresh(shell, app);
        return result;
      },
    });
    apps.on((event, app) => {
      if (event === "delete") {
        shell.writer.tracker.forget(keyOf(app));
        shell.sources.forget(app);
      }
      controller.enqueue(keyOf(app));
    });
  };
}

/** The Application controller with the default repository cache and poll interval. */
export const applicationController: ControllerSetup = applicationControllerWith();
