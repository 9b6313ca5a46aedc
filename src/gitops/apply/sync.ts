// Runs a sync plan: the destination Namespace first when CreateNamespace=true; every object to
// apply dry-run first, so one invalid object fails the sync before anything is applied (its kind,
// name and the API server's message in status) — but no body is dry-run twice in one look, and the
// first object applied needs none (its apply fails just as its dry run would); then applied in order by server-side apply as
// sluice-gitops with conflicts forced (Git wins over a hand edit, as Argo CD's
// ServerSideApply=true does; fields an HPA owns were taken out of the body beforehand); then, only
// when everything applied, the prune: each object deleted with the resourceVersion it was judged
// owned at, so an object changed since is not deleted blindly.
import type { KubeClient } from "../../kube/client.ts";
import { isNotFound } from "../../kube/errors.ts";
import { Namespaces, type ResourceType } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { untilServed } from "./crds.ts";
import type { InventoryEntry } from "./prune.ts";
import { pruneDisabled } from "./prune.ts";

export const GITOPS_FIELD_MANAGER = "sluice-gitops";

export type ResultCode = "Synced" | "SyncFailed" | "Pruned" | "PruneSkipped";

export interface ResourceResult extends InventoryEntry {
  status: ResultCode;
  message: string;
}

export interface ToApply {
  entry: InventoryEntry;
  type: ResourceType;
  body: KubeObject;
  /** A CRD applied earlier in this sync that must be served first (no dry run before). */
  awaitsCrd?: string | undefined;
  /** Replace=true: created, or replaced whole (PUT) over the live object at this resourceVersion. */
  replace?: { liveResourceVersion: string | undefined } | undefined;
  /** Validate=false: the API server does not check fields against the schema. */
  skipValidation?: boolean | undefined;
  /** The server accepted this very body in a dry run moments ago (the look's comparison): not asked again. */
  dryRunAccepted?: boolean | undefined;
}

export interface ToPrune {
  entry: InventoryEntry;
  type: ResourceType;
  live: KubeObject;
}

export interface SyncPlan {
  createNamespace?: string | undefined;
  /** managedNamespaceMetadata: labels and annotations of the created namespace. */
  namespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  apply: ToApply[];
  prune: ToPrune[];
  /** Runs after the dry run, before anything is applied (PreSync hooks); a failure stops the sync. */
  beforeApply?: () => Promise<SyncOutcome | undefined>;
}

export interface SyncOutcome {
  ok: boolean;
  message: string;
  resources: ResourceResult[];
  /** The server's answer to each apply that succeeded, by the body applied. */
  applied?: { body: KubeObject; object: KubeObject }[];
}

const named = (e: InventoryEntry) => `${e.kind}/${e.name}`;
const result = (entry: InventoryEntry, status: ResultCode, message: string): ResourceResult => ({
  ...entry,
  status,
  message,
});

const validation = (o: ToApply) => (o.skipValidation ? { fieldValidation: "Ignore" as const } : {});

/** Server-side apply (Git wins conflicts), or with Replace=true a create or a whole replace. */
function applyOne(client: KubeClient, o: ToApply): Promise<KubeObject> {
  if (!o.replace)
    return client.apply(o.type, o.body, GITOPS_FIELD_MANAGER, { force: true, ...validation(o) });
  if (o.replace.liveResourceVersion === undefined) return client.create(o.type, o.body, GITOPS_FIELD_MANAGER);
  const body = {
    ...o.body,
    metadata: { ...o.body.metadata, resourceVersion: o.replace.liveResourceVersion },
  };
  return client.update(o.type, body, GITOPS_FIELD_MANAGER);
}

/** Dry runs at once per sync: they change nothing, so their order does not matter. */
const DRY_RUN_CONCURRENCY = 8;

/** Namespaces this sync applies: objects in one that does not exist yet cannot be dry-run before it. */
function namespacesApplied(plan: SyncPlan): Set<string> {
  return new Set(
    plan.apply.filter((o) => o.body.kind === "Namespace").map((o) => o.body.metadata?.name ?? ""),
  );
}

/**
 * The error of one object's server-side dry run, undefined when the API server accepts it. An
 * object whose namespace the same sync creates (a Namespace kept in Git with its objects) is not
 * refused for that namespace's absence: its Namespace is applied before it, and its own apply is
 * checked then (the peer's client-side dry run never sees the namespace's absence either).
 */
async function dryRunOne(client: KubeClient, o: ToApply, created: Set<string>): Promise<string | undefined> {
  try {
    await client.apply(o.type, o.body, GITOPS_FIELD_MANAGER, { dryRun: true, force: true, ...validation(o) });
    return undefined;
  } catch (error) {
    const namespace = o.body.metadata?.namespace;
    if (namespace && created.has(namespace) && isNotFound(error) && namespaceMissing(error, namespace))
      return undefined;
    return (error as Error).message;
  }
}

/** The API server's 404 for a namespace that does not exist (not for the object itself). */
function namespaceMissing(error: unknown, namespace: string): boolean {
  return (error as Error).message.includes(`namespaces "${namespace}" not found`);
}

/** A sync that fails before anything is applied: the refused object's message, the others not applied. */
function refusedBeforeApply(plan: SyncPlan, refused: ToApply, message: string): SyncOutcome {
  return {
    ok: false,
    message: `one or more objects failed to apply (dry run): ${named(refused.entry)}: ${message}`,
    resources: plan.apply.map((x) => result(x.entry, "SyncFailed", x === refused ? message : "not applied")),
  };
}

/**
 * The object whose own apply stands in for its dry run: the first one applied, when nothing runs
 * between the dry runs and it (no PreSync hook) and it is a server-side apply like its dry run.
 * Applied first, with every other object already accepted, it fails exactly as its dry run would,
 * with nothing applied before it.
 */
function firstUnchecked(plan: SyncPlan): ToApply | undefined {
  const first = plan.apply[0];
  if (!first || plan.beforeApply || first.replace || first.awaitsCrd || first.dryRunAccepted)
    return undefined;
  return first;
}

/** The first object of `objects` (in their order) the API server refuses in a dry run, with why. */
async function firstRefused(client: KubeClient, objects: ToApply[], created: Set<string>) {
  const errors: (string | undefined)[] = [];
  for (let i = 0; i < objects.length; i += DRY_RUN_CONCURRENCY) {
    const batch = objects.slice(i, i + DRY_RUN_CONCURRENCY);
    errors.push(...(await Promise.all(batch.map((o) => dryRunOne(client, o, created)))));
    const index = errors.findIndex((e) => e !== undefined);
    const refused = objects[index];
    if (refused) return { refused, message: errors[index] ?? "" };
  }
  return undefined;
}

/**
 * Every object dry-run before any is applied, so one the API server refuses stops the sync with
 * nothing half-applied; the first refused in plan order is the one reported. Not asked again: a
 * body this look's comparison just dry-ran, and the first object applied (firstUnchecked) unless
 * another is refused.
 */
async function dryRunAll(client: KubeClient, plan: SyncPlan): Promise<SyncOutcome | undefined> {
  const first = firstUnchecked(plan);
  const checked = plan.apply.filter((o) => !o.awaitsCrd && !o.dryRunAccepted && o !== first);
  const created = namespacesApplied(plan);
  const found = await firstRefused(client, checked, created);
  if (!found) return undefined;
  // Which is reported must not depend on what was skipped: the first object comes first.
  const firstMessage = first ? await dryRunOne(client, first, created) : undefined;
  return first && firstMessage !== undefined
    ? refusedBeforeApply(plan, first, firstMessage)
    : refusedBeforeApply(plan, found.refused, found.message);
}

async function pruneAll(client: KubeClient, plan: SyncPlan): Promise<ResourceResult[]> {
  const results: ResourceResult[] = [];
  for (const o of plan.prune) {
    if (pruneDisabled(o.live)) {
      results.push(result(o.entry, "PruneSkipped", "ignored (no prune): Prune=false"));
      continue;
    }
    await client
      .delete(
        o.type,
        { namespace: o.entry.namespace, name: o.entry.name },
        {
          ...(o.live.metadata?.resourceVersion ? { resourceVersion: o.live.metadata.resourceVersion } : {}),
          propagationPolicy: "Foreground",
        },
      )
      .catch((error: unknown) => {
        // Already gone is what a prune wants.
        if (!isNotFound(error)) throw error;
      });
    results.push(result(o.entry, "Pruned", "pruned"));
  }
  return results;
}

export async function runSync(client: KubeClient, plan: SyncPlan): Promise<SyncOutcome> {
  if (plan.createNamespace) {
    const namespace = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: plan.createNamespace, ...plan.namespaceMetadata },
    };
    await client.apply(Namespaces, namespace, GITOPS_FIELD_MANAGER, { force: false });
  }
  const failed = (await dryRunAll(client, plan)) ?? (await plan.beforeApply?.());
  if (failed) return failed;
  const resources: ResourceResult[] = [];
  const applied: { body: KubeObject; object: KubeObject }[] = [];
  const served = new Set<string>();
  const first = firstUnchecked(plan);
  for (const o of plan.apply) {
    try {
      if (o.awaitsCrd && !served.has(o.awaitsCrd)) {
        await untilServed(client, o.awaitsCrd, o.type);
        served.add(o.awaitsCrd);
      }
      applied.push({ body: o.body, object: await applyOne(client, o) });
      resources.push(
        result(o.entry, "Synced", `${o.entry.kind.toLowerCase()}/${o.entry.name} serverside-applied`),
      );
    } catch (error) {
      const message = (error as Error).message;
      // Nothing is applied yet: the sync ends as this object's dry run would have ended it.
      if (o === first) return refusedBeforeApply(plan, o, message);
      resources.push(result(o.entry, "SyncFailed", message));
      return { ok: false, message: `${named(o.entry)}: ${message}`, resources, applied };
    }
  }
  try {
    resources.push(...(await pruneAll(client, plan)));
  } catch (error) {
    return { ok: false, message: `prune failed: ${(error as Error).message}`, resources, applied };
  }
  return { ok: true, message: "successfully synced (all tasks run)", resources, applied };
}
