// The pod-template hash that names a Rollout's ReplicaSets (<rollout>-<hash>) and pins Service
// selectors. It is a function of the template's *content* only (canonical JSON: keys sorted,
// absent values dropped), so it does not change with sluice versions, Node versions or library
// upgrades. A ReplicaSet made by another version or tool (e.g. Argo Rollouts, whose hash differs)
// is recognised by content instead (templateMatches), so adopting it never redeploys.
import { createHash } from "node:crypto";
import type { PodTemplateSpec } from "../api/common.ts";
import { sameQuantity } from "../api/quantity.ts";

export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";

// The alphabet Kubernetes uses for generated names: no vowels (no words) and no look-alikes.
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** 10 characters from the safe alphabet; `collisionCount` perturbs it as Deployments do. */
export function podTemplateHash(template: PodTemplateSpec, collisionCount = 0): string {
  return contentHash(withoutHashLabel(template), collisionCount > 0 ? `#${collisionCount}` : "");
}

/**
 * status.currentStepHash: a hash of the canary steps' content, so an edit of the steps alone
 * (same pod template) is noticed and restarts the update at step 0, as the peer.
 */
export function stepsHash(steps: readonly unknown[]): string {
  return contentHash(steps, "");
}

function contentHash(value: unknown, salt: string): string {
  const digest = createHash("sha256").update(canonicalJson(value)).update(salt).digest();
  let n = digest.readBigUInt64BE(0);
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += SAFE_ALPHABET[Number(n % BigInt(SAFE_ALPHABET.length))];
    n /= BigInt(SAFE_ALPHABET.length);
  }
  return out;
}

function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = template.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return template;
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  return { ...template, metadata: { ...template.metadata, labels: rest } };
}

/**
 * True when `live` (a ReplicaSet's template as the API server returns it, defaults filled in)
 * was made from `desired`: labels and annotations equal (ignoring the hash label), and every
 * other value `desired` sets is present and equal in `live`. Fields only `live` has are the
 * server's defaults. Used only when no ReplicaSet carries the expected hash label (adoption,
 * upgrades), because a field the user deleted looks the same as a defaulted one.
 */
export function templateMatches(desired: PodTemplateSpec, live: PodTemplateSpec): boolean {
  const d = withoutHashLabel(desired);
  const l = withoutHashLabel(live);
  const sameMap = (a?: Record<string, string>, b?: Record<string, string>) =>
    canonicalJson(a ?? {}) === canonicalJson(b ?? {});
  if (!sameMap(d.metadata?.labels, l.metadata?.labels)) return false;
  if (!sameMap(d.metadata?.annotations, l.metadata?.annotations)) return false;
  return contains(l.spec ?? {}, d.spec ?? {});
}

function contains(live: unknown, desired: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => contains(live[i], d))
    );
  }
  if (typeof desired === "object") {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return false;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) =>
      contains((live as Record<string, unknown>)[k], v),
    );
  }
  if (desired === live) return true;
  // Quantities come back in canonical form ("0.5" cpu is stored as "500m").
  const quantityLike = (v: unknown): v is string | number => typeof v === "string" || typeof v === "number";
  return quantityLike(desired) && quantityLike(live) && sameQuantity(desired, live);
}
