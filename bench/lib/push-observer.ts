// What a webhook push phase watches for, with the time each watch event arrived: a ConfigMap in
// the destination namespace first showing a value, an Application's refresh annotation appearing
// and going (the look that acted on it is done), and an Application Synced at a revision (with when
// the look that synced it started and its sync ended, as the status records them).
import type { Application } from "../../src/api/application.ts";
import { WEBHOOK_REFRESH_ANNOTATION } from "../../src/gitops/webhook/refresh.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Applications, ConfigMaps } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { type Seen, watchObjects } from "./watch.ts";

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** Per Application: when the current refresh annotation was first seen, and when it last went. */
interface RefreshMarks {
  value: string | undefined;
  setAt: number;
  clearedAt: number;
}

export function observePushes(client: KubeClient, appsNamespace: string, destNamespace: string) {
  /** `<configmap>=<value of dataKey>` → first seen. */
  const valueAt = new Map<string, number>();
  /** `<app>@<revision>` → first seen Synced at it. */
  const syncedAt = new Map<string, number>();
  const lookOf = new Map<string, { startedAt: number; syncFinishedAt: number }>();
  const refresh = new Map<string, RefreshMarks>();
  const abort = new AbortController();
  const seeConfigMap: Seen<ConfigMap> = (cm) => {
    const key = `${cm.metadata?.name ?? ""}=${cm.data?.greeting ?? ""}`;
    if (!valueAt.has(key)) valueAt.set(key, Date.now());
  };
  const seeApp: Seen<Application> = (app) => {
    const at = Date.now();
    const name = app.metadata?.name ?? "";
    const sync = app.status?.sync;
    const key = `${name}@${sync?.revision ?? ""}`;
    if (sync?.status === "Synced" && sync.revision && !syncedAt.has(key)) {
      syncedAt.set(key, at);
      // The look that synced it: its start (reconciledAt) and the sync's end, the controller's clock.
      const state = app.status?.operationState;
      lookOf.set(key, {
        startedAt: Date.parse(app.status?.reconciledAt ?? ""),
        syncFinishedAt:
          state?.syncResult?.revision === sync.revision ? Date.parse(state.finishedAt ?? "") : Number.NaN,
      });
    }
    const value = app.metadata?.annotations?.[WEBHOOK_REFRESH_ANNOTATION];
    const marks = refresh.get(name) ?? { value: undefined, setAt: Number.NaN, clearedAt: Number.NaN };
    if (value !== undefined && value !== marks.value) refresh.set(name, { ...marks, value, setAt: at });
    if (value === undefined && marks.value !== undefined)
      refresh.set(name, { ...marks, value: undefined, clearedAt: at });
  };
  const watching = Promise.all([
    watchObjects(client, ConfigMaps, destNamespace, seeConfigMap, abort.signal),
    watchObjects(client, Applications, appsNamespace, seeApp, abort.signal),
  ]);
  return {
    /** When the ConfigMap was first seen holding `greeting: value`. */
    appliedAt: (configMap: string, value: string) => valueAt.get(`${configMap}=${value}`),
    syncedAt: (app: string, revision: string) => syncedAt.get(`${app}@${revision}`),
    lookOf: (app: string, revision: string) => lookOf.get(`${app}@${revision}`),
    refreshOf: (app: string) => refresh.get(app),
    /** Applications whose refresh annotation (re)appeared at or after `at`. */
    refreshesSetSince: (at: number) => [...refresh.values()].filter((m) => m.setAt >= at).length,
    /** Applications still carrying a refresh annotation: a look asked for and not yet done. */
    /** How many ConfigMap values and Synced revisions were seen (the first lists included). */
    seen: () => ({ configMapValues: valueAt.size, syncedRevisions: syncedAt.size }),
    refreshesPending: () => [...refresh].filter(([, m]) => m.value !== undefined).map(([name]) => name),
    stop: async () => {
      abort.abort();
      await watching;
    },
  };
}

export type PushObserver = ReturnType<typeof observePushes>;
