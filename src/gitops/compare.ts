// Drift of one desired object (DESIGN.md §8 points 1–2): the body sluice would apply (minus fields
// an HPA owns through /scale, minus ignored fields with RespectIgnoreDifferences) is dry-run by
// server-side apply and the server's answer compared with live, so server defaults, webhooks and
// fields only other managers own are never drift. A verdict is kept until the body or the live
// object's content (not its status or resourceVersion, nor labels and annotations only other
// writers hold) changes, so the watch events a healthy object's status (or the Deployment
// controller's revision annotation) produces cost no API request.
import { createHash } from "node:crypto";
import type { KubeClient } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Placed } from "./apply/placement.ts";
import { GITOPS_FIELD_MANAGER } from "./apply/sync.ts";
import { managedFields } from "./diff/fields-v1.ts";
import { applyBody, compare, type IgnoreRule } from "./diff/index.ts";

export interface ObjectState {
  placed: Placed;
  type: ResourceType;
  live: KubeObject | undefined;
  /** What a sync applies. */
  body: KubeObject;
  status: "Synced" | "OutOfSync";
  /** JSON pointers that differ from Git, or why the object is OutOfSync. */
  drift: string[];
  message?: string;
  /** Its kind comes with this CRD in the same sync (not served yet). */
  awaitsCrd?: string;
  /** The server's dry-run answer, when this comparison made one (not a kept verdict). */
  predicted?: KubeObject;
}

export interface CompareInputs {
  placed: Placed;
  type: ResourceType;
  live: KubeObject | undefined;
  rules: IgnoreRule[];
  respectIgnoreDifferences: boolean;
}

const MAX_VERDICTS = 50_000;

/**
 * Controllers whose fields Git does not force back (DESIGN.md §8 points 1–2): the Rollout
 * controller owns the Services' selectors once it adds the pod-template-hash (the selector is an
 * atomic map, so the whole of it). A Git change to such a field waits until that controller lets
 * go of it.
 */
const DEFER_TO = ["sluice-rollout"];

/**
 * The keys of a live metadata map (labels, annotations) a verdict depends on: those the body sets
 * or this manager owns. Any other key only another writer holds — the Deployment controller's
 * revision annotation, a label a person adds — is left as it is by an apply and so is never drift.
 */
function ownKeys(
  live: Record<string, string> | undefined,
  body: Record<string, string> | undefined,
  owned: Set<string>,
): Record<string, string> | undefined {
  if (!live) return live;
  return Object.fromEntries(
    Object.entries(live).filter(([key]) => body?.[key] !== undefined || owned.has(key)),
  );
}

/** The keys of metadata.`map` this field manager's entries own in `live`. */
function ownedKeys(live: KubeObject, map: "labels" | "annotations"): Set<string> {
  const keys = new Set<string>();
  for (const entry of managedFields(live)) {
    if (entry.manager !== GITOPS_FIELD_MANAGER) continue;
    const fields = (entry.fieldsV1 as Record<string, Record<string, object>> | undefined)?.["f:metadata"]?.[
      `f:${map}`
    ];
    for (const key of Object.keys(fields ?? {})) if (key.startsWith("f:")) keys.add(key.slice(2));
  }
  return keys;
}

/**
 * The part of a live object a dry run depends on: not its status, versions, write times or status
 * writers, nor (without ignore rules, which may select on any field) the labels and annotations
 * only other writers hold.
 */
function liveSignature(live: KubeObject, body: KubeObject, rules: IgnoreRule[]): unknown {
  const { status: _status, ...rest } = live as KubeObject & { status?: unknown };
  const { managedFields, resourceVersion: _rv, generation: _g, ...metadata } = rest.metadata ?? {};
  // Who owns what matters (it shapes the body); when, and the status writers, do not.
  const owners = (managedFields ?? [])
    .filter((entry) => entry.subresource !== "status")
    .map(({ time: _time, ...entry }) => entry);
  const maps =
    rules.length > 0
      ? {}
      : {
          labels: ownKeys(metadata.labels, body.metadata?.labels, ownedKeys(live, "labels")),
          annotations: ownKeys(
            metadata.annotations,
            body.metadata?.annotations,
            ownedKeys(live, "annotations"),
          ),
        };
  return { ...rest, metadata: { ...metadata, ...maps, owners } };
}

const hashOf = (value: unknown) => createHash("sha1").update(JSON.stringify(value)).digest("hex");

export class Comparer {
  private readonly verdicts = new Map<string, { hash: string; drift: string[] }>();

  constructor(private readonly client: KubeClient) {}

  async compare(key: string, inputs: CompareInputs): Promise<ObjectState> {
    const { placed, type, live, rules } = inputs;
    const body = applyBody(
      placed.object,
      live,
      GITOPS_FIELD_MANAGER,
      rules,
      inputs.respectIgnoreDifferences,
      DEFER_TO,
    );
    const state = { placed, type, live, body };
    if (!live) return { ...state, status: "OutOfSync", drift: [], message: "missing" };
    const hash = hashOf([body, liveSignature(live, body, rules), rules]);
    const kept = this.verdicts.get(key);
    if (kept?.hash === hash) return { ...state, ...verdict(kept.drift) };
    let predicted: KubeObject;
    try {
      predicted = await this.client.apply(type, body, GITOPS_FIELD_MANAGER, { dryRun: true, force: true });
    } catch (error) {
      // Not kept: the object may be fine once what it needs (a CRD, a webhook) is there.
      return { ...state, status: "OutOfSync", drift: [], message: (error as Error).message };
    }
    const drift = compare(predicted, live, rules).paths;
    this.remember(key, { hash, drift });
    return { ...state, ...verdict(drift), predicted };
  }

  /**
   * An object just applied from `body` is what Git says: the server's answer becomes the verdict,
   * so the look that its own watch event causes needs no dry run.
   */
  settle(key: string, body: KubeObject, applied: KubeObject, rules: IgnoreRule[]): void {
    this.remember(key, { hash: hashOf([body, liveSignature(applied, body, rules), rules]), drift: [] });
  }

  /** Verdicts of an Application that is gone. */
  forget(prefix: string): void {
    for (const key of this.verdicts.keys()) if (key.startsWith(prefix)) this.verdicts.delete(key);
  }

  private remember(key: string, entry: { hash: string; drift: string[] }): void {
    this.verdicts.delete(key);
    this.verdicts.set(key, entry);
    if (this.verdicts.size > MAX_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value ?? "");
  }
}

const verdict = (drift: string[]) =>
  drift.length === 0
    ? { status: "Synced" as const, drift }
    : { status: "OutOfSync" as const, drift, message: `differs from Git at ${drift.slice(0, 5).join(", ")}` };
