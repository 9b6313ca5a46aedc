// Turning a ReplicaSet's pod template back into the Rollout template it was made from, for undo.
// The ReplicaSet's copy carries the hash label, the role's ephemeral metadata and the API server's
// defaults. sluice finds a Rollout's ReplicaSet by the exact hash of its template, so a template
// that still held the defaults would start a new ReplicaSet instead of going back to the old one
// (the peer matches by content instead). The hash label tells whether defaults were removed right.
import type { PodTemplateSpec } from "../../api/common.ts";
import { EPHEMERAL_METADATA_ANNOTATION } from "../../rollout/ephemeral-metadata.ts";
import { canonicalJson, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "../../rollout/hash.ts";
import { hashOf, type ReplicaSet } from "../../rollout/world.ts";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Deletes `key` from `object` when it holds `value` (deep equality on JSON). */
function dropIf(object: Json | undefined, key: string, value: unknown): void {
  if (object && key in object && JSON.stringify(object[key]) === JSON.stringify(value)) delete object[key];
}

/** The pull policy the API server gives an image that names none: Always for :latest or no tag. */
function defaultPullPolicy(image: unknown): string {
  const text = String(image ?? "");
  if (text.includes("@")) return "IfNotPresent";
  const tag = /:([^/:]+)$/.exec(text)?.[1];
  return tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
}

function dropProbeDefaults(probe: unknown): void {
  if (!isObject(probe)) return;
  for (const [key, value] of [
    ["timeoutSeconds", 1],
    ["periodSeconds", 10],
    ["successThreshold", 1],
    ["failureThreshold", 3],
  ] as const)
    dropIf(probe, key, value);
  if (isObject(probe.httpGet)) dropIf(probe.httpGet, "scheme", "HTTP");
}

function dropContainerDefaults(container: Json): void {
  dropIf(container, "terminationMessagePath", "/dev/termination-log");
  dropIf(container, "terminationMessagePolicy", "File");
  dropIf(container, "imagePullPolicy", defaultPullPolicy(container.image));
  dropIf(container, "resources", {});
  for (const port of (container.ports ?? []) as Json[]) dropIf(port, "protocol", "TCP");
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"])
    dropProbeDefaults(container[probe]);
}

/** The template without the values the API server fills in when they are not given. */
export function withoutServerDefaults(template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  const spec = copy.spec;
  if (!spec) return copy;
  dropIf(spec, "restartPolicy", "Always");
  dropIf(spec, "dnsPolicy", "ClusterFirst");
  dropIf(spec, "schedulerName", "default-scheduler");
  dropIf(spec, "securityContext", {});
  dropIf(spec, "terminationGracePeriodSeconds", 30);
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    for (const container of (spec[list] ?? []) as Json[]) dropContainerDefaults(container);
  }
  for (const volume of (spec.volumes ?? []) as Json[]) {
    if (isObject(volume.configMap)) dropIf(volume.configMap, "defaultMode", 420);
    if (isObject(volume.secret)) dropIf(volume.secret, "defaultMode", 420);
  }
  return copy;
}

/** Removes the keys the controller recorded as the role's ephemeral metadata (unchanged since). */
function dropEphemeral(
  map: Record<string, string> | undefined,
  recorded: Record<string, string> | undefined,
) {
  for (const [key, value] of Object.entries(recorded ?? {})) if (map?.[key] === value) delete map[key];
}

/** The ReplicaSet's template without what the controller and the API server added to it. */
function stripped(rs: ReplicaSet): PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  const metadata = template.metadata ?? {};
  delete metadata.creationTimestamp; // null from the server
  if (metadata.labels) delete metadata.labels[POD_TEMPLATE_HASH_LABEL];
  let recorded: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  try {
    recorded = JSON.parse(rs.metadata?.annotations?.[EPHEMERAL_METADATA_ANNOTATION] ?? "{}");
  } catch {
    // Unreadable record (edited by hand): the keys stay, and the hash check below says so.
  }
  dropEphemeral(metadata.labels, recorded.labels);
  dropEphemeral(metadata.annotations, recorded.annotations);
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  template.metadata = metadata;
  return template;
}

/**
 * The Rollout template `rs` was made from: exact when the hash label proves it (`exact`), else the
 * ReplicaSet's template as the peer restores it (the controller then makes a new ReplicaSet).
 */
export function templateOf(
  rs: ReplicaSet,
  collisionCount = 0,
): { template: PodTemplateSpec; exact: boolean } {
  const asIs = stripped(rs);
  const hash = hashOf(rs);
  for (const candidate of [withoutServerDefaults(asIs), asIs]) {
    for (const count of new Set([collisionCount, 0])) {
      if (hash !== undefined && podTemplateHash(candidate, count) === hash)
        return { template: candidate, exact: true };
    }
  }
  return { template: asIs, exact: false };
}

/** A JSON merge patch that turns `from` into `to`: keys only `from` has become null. */
export function mergePatchBetween(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const out: Json = {};
  for (const key of Object.keys(from)) if (!(key in to)) out[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (canonicalJson(from[key]) === canonicalJson(value)) continue;
    out[key] = mergePatchBetween(from[key], value);
  }
  return out;
}
