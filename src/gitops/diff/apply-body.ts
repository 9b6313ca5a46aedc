// The server-side-apply body for one object: what Git wants, minus what Git must not force back.
import type { KubeObject } from "../../kube/types.ts";
import { managedFields, ownedPaths } from "./fields-v1.ts";
import { type IgnoreRule, ignoredPaths, matchingRules } from "./ignore.ts";
import { child, clone, getAt, isRecord, type Path, removeAllCollapsing, setAt, type Token } from "./json.ts";
import { formatPointer } from "./json-pointer.ts";

/**
 * `desired` minus the fields another manager owns through the /scale subresource in `live` (an
 * HPA's spec.replicas) or that a manager in `deferTo` owns now (the Rollout controller's Service
 * selectors: an atomic map it takes over when it adds the pod-template-hash), and, with RespectIgnoreDifferences, with ignored fields left as live has them.
 * Never mutates its inputs.
 */
export function applyBody(
  desired: KubeObject,
  live: KubeObject | undefined,
  ownManager: string,
  rules: readonly IgnoreRule[],
  respectIgnoreDifferences: boolean,
  deferTo: readonly string[] = [],
): KubeObject {
  const body = clone(desired);
  if (live === undefined) return body;
  // Dropping the field (rather than sending live's value) gives up our claim, so the scaler (or
  // the controller deferred to) keeps sole ownership and the next apply does not fight it.
  const yielded = (entry: { manager?: string; subresource?: string }) =>
    entry.manager !== ownManager &&
    (entry.subresource === "scale" || (entry.manager !== undefined && deferTo.includes(entry.manager)));
  const scaled = managedFields(live)
    .filter(yielded)
    .flatMap((entry) => ownedPaths(entry.fieldsV1, body));
  removeAllCollapsing(body, scaled);
  if (respectIgnoreDifferences) keepIgnoredAsLive(body, live, matchingRules(rules, live));
  return body;
}

/**
 * Argo CD's RespectIgnoreDifferences=true: ignored fields are not changed by a sync. A field Git
 * sets is sent with live's value where the rules name the same location in live: leaving it out of
 * a server-side apply would make the API server delete a field this manager owned. Where live has
 * nothing there, the field is left out.
 */
function keepIgnoredAsLive(body: KubeObject, live: KubeObject, rules: IgnoreRule[]): void {
  if (rules.length === 0) return;
  const inLive = new Set(ignoredPaths(rules, live, live).map(formatPointer));
  const absent: Path[] = [];
  for (const path of ignoredPaths(rules, body, live)) {
    const livePath = correspondingPath(body, live, path);
    const liveValue = livePath && inLive.has(formatPointer(livePath)) ? getAt(live, livePath) : undefined;
    if (liveValue === undefined) absent.push(path);
    else setAt(body, path, clone(liveValue.value));
  }
  removeAllCollapsing(body, absent);
}

/**
 * The location in live that holds the same thing as `path` in desired: list items carrying a
 * `name` (containers, env, volumes — the usual merge key) are matched by it, since a webhook's
 * injected items shift indices; other items by index.
 */
function correspondingPath(desired: unknown, live: unknown, path: Path): Path | undefined {
  const out: Token[] = [];
  let mine: unknown = desired;
  let theirs: unknown = live;
  for (const token of path) {
    const liveToken = correspondingToken(mine, theirs, token);
    const next = liveToken === undefined ? undefined : child(theirs, liveToken);
    if (liveToken === undefined || next === undefined) return undefined;
    out.push(liveToken);
    mine = child(mine, token)?.value;
    theirs = next.value;
  }
  return out;
}

function correspondingToken(mine: unknown, theirs: unknown, token: Token): Token | undefined {
  if (typeof token !== "number" || !Array.isArray(theirs)) return token;
  const item = child(mine, token)?.value;
  const name = isRecord(item) ? item.name : undefined;
  if (typeof name !== "string") return token;
  const index = theirs.findIndex((other) => isRecord(other) && other.name === name);
  return index >= 0 ? index : undefined;
}
