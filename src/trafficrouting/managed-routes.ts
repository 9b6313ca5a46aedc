// Header and mirror routes (steps setHeaderRoute / setMirrorRoute, names listed in
// trafficRouting.managedRoutes): which are in force at a point of the update. A step sets its
// route (an empty match removes it); all of them go at the end of the update and on abort, as the
// peer's RemoveManagedRoutes. Pure; in managedRoutes order (their precedence).
import type { Rollout, SetHeaderRoute, SetMirrorRoute, StringMatch } from "../api/rollout.ts";

export type ActiveMirror = Required<Pick<SetMirrorRoute, "name" | "match">> & {
  percentage?: number | undefined;
};

export interface ManagedRoutes {
  headers: Required<SetHeaderRoute>[];
  mirrors: ActiveMirror[];
  /** managedRoutes names: their order is the routes' precedence, header and mirror alike. */
  order: string[];
}

export const NO_ROUTES: ManagedRoutes = { headers: [], mirrors: [], order: [] };

/** Routes set by the steps up to and including `stepIndex`, while the update is on its steps. */
export function activeManagedRoutes(rollout: Rollout, stepIndex: number, onSteps: boolean): ManagedRoutes {
  const canary = rollout.spec?.strategy?.canary;
  const order = (canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
  if (!onSteps || order.length === 0) return NO_ROUTES;
  const headers = new Map<string, Required<SetHeaderRoute>>();
  const mirrors = new Map<string, ActiveMirror>();
  for (const step of (canary?.steps ?? []).slice(0, stepIndex + 1)) {
    const header = step.setHeaderRoute;
    if (header?.match?.length) headers.set(header.name, { name: header.name, match: header.match });
    else if (header) headers.delete(header.name);
    const mirror = step.setMirrorRoute;
    if (mirror?.match?.length)
      mirrors.set(mirror.name, { name: mirror.name, match: mirror.match, percentage: mirror.percentage });
    else if (mirror) mirrors.delete(mirror.name);
  }
  const byOrder = <T extends { name: string }>(found: Map<string, T>) =>
    order.flatMap((name) => found.get(name) ?? []);
  return { headers: byOrder(headers), mirrors: byOrder(mirrors), order };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A string match as an exact value or a regular expression (a prefix becomes `^prefix.*`). */
export function asPattern(match: StringMatch): { exact: string } | { regex: string } {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { regex: `^${escapeRegex(match.prefix)}.*` };
  return { regex: match.regex ?? "" };
}
