// dependsOn (sluice's own field; Argo CD users ask for it): an Application syncs only once the
// Applications it names — in its own namespace — are Synced and Healthy. Pure: the other
// Applications come from a lookup. A cycle is an error naming it; a missing Application is waited
// for like one that is not ready.
import type { Application } from "../api/application.ts";

export type Lookup = (name: string) => Application | undefined;

export type DependencyState = { cycle: string[] } | { waiting: string[] } | { ready: true };

const isReady = (a: Application | undefined) =>
  a?.status?.sync?.status === "Synced" && a.status.health?.status === "Healthy";

/** The first cycle through `app` along dependsOn, as names from `app` back to it; or undefined. */
export function cycleThrough(app: Application, lookup: Lookup): string[] | undefined {
  const start = app.metadata?.name ?? "";
  const path: string[] = [start];
  const seen = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    const deps = name === start ? (app.spec?.dependsOn ?? []) : (lookup(name)?.spec?.dependsOn ?? []);
    for (const dep of deps) {
      if (dep === start) return [...path, start];
      if (seen.has(dep)) continue;
      seen.add(dep);
      path.push(dep);
      const found = visit(dep);
      if (found) return found;
      path.pop();
    }
    return undefined;
  };
  return visit(start);
}

export function dependencyState(app: Application, lookup: Lookup): DependencyState {
  const deps = app.spec?.dependsOn ?? [];
  if (deps.length === 0) return { ready: true };
  const cycle = cycleThrough(app, lookup);
  if (cycle) return { cycle };
  const waiting = deps.filter((name) => !isReady(lookup(name)));
  return waiting.length > 0 ? { waiting } : { ready: true };
}
