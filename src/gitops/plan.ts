// What a sync will do (pure): which objects it applies and how, what it prunes, and whether it may
// run at all. The sync options come from the Application and from each object's
// `argocd.argoproj.io/sync-options` annotation, as Argo CD reads them: ApplyOutOfSyncOnly=true
// (an operation applies only what differs; automated syncs always do), Replace=true (create or
// replace whole instead of server-side apply), Validate=false (no schema check),
// CreateNamespace=true with managedNamespaceMetadata, FailOnSharedResource=true (an object another
// Application tracks fails the sync, naming both).
import type { Application } from "../api/application.ts";
import { TRACKING_LABEL } from "./apply/placement.ts";
import { objectSyncOptions } from "./apply/prune.ts";
import type { SyncPlan, ToApply, ToPrune } from "./apply/sync.ts";
import type { ObjectState } from "./compare.ts";
import { entryOf } from "./objects.ts";

export const appSyncOptions = (app: Application): string[] => [
  ...(app.spec?.syncPolicy?.syncOptions ?? []),
  ...(app.operation?.sync?.syncOptions ?? []),
];

/** Objects whose live copy another Application tracks: "Kind/name (Application other)". */
export function sharedObjects(app: Application, states: ObjectState[]): string[] {
  const name = app.metadata?.name;
  return states.flatMap((s) => {
    const owner = s.live?.metadata?.labels?.[TRACKING_LABEL];
    return owner && owner !== name
      ? [`${s.placed.object.kind}/${s.placed.object.metadata?.name} (Application ${owner})`]
      : [];
  });
}

function toApply(state: ObjectState, options: string[]): ToApply {
  const all = [...options, ...objectSyncOptions(state.placed.object)];
  return {
    entry: entryOf(state.placed),
    type: state.type,
    body: state.body,
    awaitsCrd: state.awaitsCrd,
    ...(all.includes("Replace=true")
      ? { replace: { liveResourceVersion: state.live?.metadata?.resourceVersion } }
      : {}),
    ...(all.includes("Validate=false") ? { skipValidation: true } : {}),
    // The look's comparison dry-ran this body (as server-side apply, with the default validation).
    ...(state.predicted ? { dryRunAccepted: true } : {}),
  };
}

export function syncPlan(
  app: Application,
  states: ObjectState[],
  leftovers: ToPrune[],
  prune: boolean,
): SyncPlan | { refused: string } {
  const options = appSyncOptions(app);
  const everything = app.operation !== undefined && !options.includes("ApplyOutOfSyncOnly=true");
  const applied = states.filter((s) => everything || s.status === "OutOfSync");
  const shared = sharedObjects(app, applied);
  if (options.includes("FailOnSharedResource=true") && shared.length > 0)
    return {
      refused: `${shared.join(", ")} already tracked by another Application; not applied by ${app.metadata?.name} (FailOnSharedResource=true)`,
    };
  const create = options.includes("CreateNamespace=true");
  return {
    createNamespace: create ? app.spec?.destination?.namespace : undefined,
    namespaceMetadata: create ? app.spec?.syncPolicy?.managedNamespaceMetadata : undefined,
    apply: applied.map((s) => toApply(s, options)),
    prune: prune ? leftovers : [],
  };
}
