// Deleting an Application (Argo CD's semantics). With a resources finalizer, each look at the
// Application being deleted reads its inventory (status.resources) from the API server, deletes the
// current wave of what it provably owns (apply/teardown.ts) and comes back soon — the managed
// objects' delete events wake it sooner — until nothing is left; then it removes only its
// finalizer. A delete the API refuses is a `DeletionError` condition and Event, tried again.
// Without the finalizer the Application is gone at once: its last inventory, kept from the
// informer's delete event, is orphaned by a queued look — the tracking label and annotation come
// off, so a later Application can adopt the objects and no informer of sluice keeps them.
import type { Application } from "../api/application.ts";
import { removeCondition, setCondition } from "../api/conditions.ts";
import type { ReconcileResult } from "../controller/runner.ts";
import { isConflict, isNotFound, isUnknownKind } from "../kube/errors.ts";
import { Applications, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { Reasons } from "../telemetry/reasons.ts";
import { TRACKING_ANNOTATION, TRACKING_LABEL } from "./apply/placement.ts";
import { type InventoryEntry, provablyOwned } from "./apply/prune.ts";
import { GITOPS_FIELD_MANAGER } from "./apply/sync.ts";
import {
  type Found,
  type Propagation,
  resourcesFinalizer,
  type TeardownStep,
  teardownPlan,
} from "./apply/teardown.ts";
import type { Shell } from "./look.ts";

/** How soon a look comes back while a wave's objects are going (their delete events may wake it sooner). */
const WAVE_RECHECK_MS = 1_000;
/** How soon a delete the API refused is tried again. */
const ERROR_RETRY_MS = 5_000;

type Live = Found<ResourceType> & { live: KubeObject };

const refOf = (entry: InventoryEntry) => ({ namespace: entry.namespace, name: entry.name });
const named = (f: Found<ResourceType>) => `${f.entry.kind}/${f.entry.name}`;

const inventoryOf = (app: Application): InventoryEntry[] =>
  (app.status?.resources ?? []).map(({ group, version, kind, namespace, name }) => ({
    group,
    version,
    kind,
    ...(namespace ? { namespace } : {}),
    name,
  }));

/** Each inventory entry with its live object, read now (the informers may lag a delete). */
async function readInventory(shell: Shell, inventory: InventoryEntry[]): Promise<Found<ResourceType>[]> {
  const found: Found<ResourceType>[] = [];
  for (const entry of inventory) {
    let type: ResourceType;
    try {
      type = await shell.kernel.dynamicClient.discovery.resourceFor(entry);
    } catch (error) {
      // The kind is no longer served: its CRD, and every object of it, is gone.
      if (isUnknownKind(error)) continue;
      throw error;
    }
    const live = await shell.kernel.client.get(type, refOf(entry)).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    found.push({ entry, live, type });
  }
  return found;
}

export class Teardown {
  /** Applications gone without a resources finalizer, by key, until their objects are orphaned. */
  private readonly orphans = new Map<string, Application>();
  /** Applications (uid) whose finalizer this process removed: their objects are already deleted. */
  private readonly finalized = new Set<string>();

  constructor(private readonly shell: Shell) {}

  /** The informer saw the Application go: remember its inventory for a queued look to orphan. */
  gone(key: string, app: Application): void {
    if (this.finalized.delete(app.metadata?.uid ?? "")) return;
    if ((app.status?.resources ?? []).length > 0) this.orphans.set(key, app);
  }

  /** An Application of that name exists again: it adopts what the old one left (same tracking label). */
  present(key: string): void {
    this.orphans.delete(key);
  }

  /** A look at a key whose Application is gone: its objects lose the tracking label and annotation. */
  async orphanLeftBehind(key: string): Promise<undefined> {
    const app = this.orphans.get(key);
    if (!app) return undefined;
    const name = app.metadata?.name ?? "";
    const found = await readInventory(this.shell, inventoryOf(app));
    const owned = found.filter((f): f is Live => f.live !== undefined && provablyOwned(name, f.live));
    await this.unlabel(owned);
    this.orphans.delete(key);
    if (owned.length > 0)
      await this.shell.events.record(
        app,
        "Normal",
        Reasons.ResourcesOrphaned,
        `Application deleted without a resources finalizer: left in place, untracked: ${owned.map(named).join(", ")}`,
      );
    return undefined;
  }

  /** A look at an Application being deleted: the next wave of its objects, or its finalizer off. */
  async finalize(app: Application): Promise<ReconcileResult | undefined> {
    const asked = resourcesFinalizer(app.metadata?.finalizers);
    // Without ours, its objects are orphaned once it is gone (another finalizer may hold it).
    if (!asked) return undefined;
    const found = await readInventory(this.shell, inventoryOf(app));
    const plan = teardownPlan(app.metadata?.name ?? "", found);
    const step = plan.steps[0];
    if (step) {
      const failures = await this.deleteStep(app, step, asked.propagation);
      await this.recordFailures(app, failures);
      return { requeueAfterMs: failures.length > 0 ? ERROR_RETRY_MS : WAVE_RECHECK_MS };
    }
    await this.unlabel(plan.kept);
    await this.removeFinalizer(app, asked.finalizer);
    return undefined;
  }

  /** Deletes the step's objects not yet being deleted; the messages of the deletes refused. */
  private async deleteStep(app: Application, step: TeardownStep<ResourceType>, propagation: Propagation) {
    const deleted: string[] = [];
    const failures: string[] = [];
    for (const o of step.objects) {
      // Already going (foreground: until its dependents are gone): waited for.
      if (o.live.metadata?.deletionTimestamp) continue;
      try {
        await this.shell.kernel.client.delete(o.type, refOf(o.entry), {
          // Judged owned at this version: an object changed since is read again first.
          ...(o.live.metadata?.resourceVersion ? { resourceVersion: o.live.metadata.resourceVersion } : {}),
          propagationPolicy: propagation,
        });
        deleted.push(named(o));
      } catch (error) {
        if (isNotFound(error) || isConflict(error)) continue;
        failures.push(`${named(o)}: ${(error as Error).message}`);
      }
    }
    if (deleted.length > 0) {
      const where = step.last ? "Namespaces and CRDs" : `sync wave ${step.wave}`;
      await this.shell.events.record(
        app,
        "Normal",
        Reasons.ResourceDeleted,
        `Deleting ${where}: ${deleted.join(", ")}`,
      );
    }
    return failures;
  }

  /** `DeletionError` (Argo CD's condition) while a delete is refused; cleared once deletes go through. */
  private async recordFailures(app: Application, failures: string[]) {
    const had = app.status?.conditions?.find((c) => c.type === "DeletionError");
    if (failures.length === 0 && !had) return;
    const message = failures.join("; ");
    if (failures.length > 0 && had?.message !== message)
      await this.shell.events.record(app, "Warning", Reasons.DeletionError, message);
    const now = new Date(this.shell.kernel.clock.now()).toISOString();
    const current = app.status?.conditions ?? [];
    const conditions =
      failures.length > 0
        ? setCondition(
            current,
            { type: "DeletionError", status: "True", reason: "DeletionError", message },
            now,
          )
        : removeCondition(current, "DeletionError");
    await this.shell.writer.write(Applications, app, { ...app.status, conditions });
  }

  /** Takes off the tracking label and annotation (only objects provably the Application's). */
  private async unlabel(objects: Live[]) {
    for (const o of objects) {
      await this.shell.kernel.client
        .mergePatch(
          o.type,
          refOf(o.entry),
          { metadata: { labels: { [TRACKING_LABEL]: null }, annotations: { [TRACKING_ANNOTATION]: null } } },
          GITOPS_FIELD_MANAGER,
          // A conflict throws: the look is retried and reads the object again.
          { resourceVersion: o.live.metadata?.resourceVersion },
        )
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
    }
  }

  /** Removes only this finalizer, conditional on the version read (others' finalizers stay). */
  private async removeFinalizer(app: Application, finalizer: string) {
    const uid = app.metadata?.uid ?? "";
    this.finalized.add(uid);
    try {
      await this.shell.kernel.client.mergePatch(
        Applications,
        { namespace: app.metadata?.namespace, name: app.metadata?.name ?? "" },
        { metadata: { finalizers: (app.metadata?.finalizers ?? []).filter((f) => f !== finalizer) } },
        GITOPS_FIELD_MANAGER,
        { resourceVersion: app.metadata?.resourceVersion },
      );
    } catch (error) {
      this.finalized.delete(uid);
      throw error;
    }
  }
}
