// Sync hooks as Argo CD reads them (pure; gitops-engine's pkg/sync/hook read for its rules): an
// object of any kind with `argocd.argoproj.io/hook` (comma-separated PreSync, Sync, PostSync,
// SyncFail; unknown words ignored) is a hook, else one with Helm's `helm.sh/hook`
// (pre-install/pre-upgrade → PreSync, post-install/post-upgrade → PostSync; `crd-install` is not a
// hook). `Skip` alone means the object is never applied. Delete policies come from
// `argocd.argoproj.io/hook-delete-policy` and Helm's, BeforeHookCreation when none is given. Hooks
// are not compared, not in the synced inventory and never pruned: a sync creates them afresh.
import type { ResourceStatus } from "../../api/application.ts";
import type { KubeObject } from "../../kube/types.ts";
import { applyOrder, type Placed } from "./placement.ts";

export const HOOK_ANNOTATION = "argocd.argoproj.io/hook";
export const HOOK_DELETE_POLICY_ANNOTATION = "argocd.argoproj.io/hook-delete-policy";
const HELM_HOOK = "helm.sh/hook";
const HELM_DELETE_POLICY = "helm.sh/hook-delete-policy";
const HELM_WEIGHT = "helm.sh/hook-weight";
const SYNC_WAVE = "argocd.argoproj.io/sync-wave";

export type HookType = "PreSync" | "Sync" | "PostSync" | "SyncFail";
export type DeletePolicy = "HookSucceeded" | "HookFailed" | "BeforeHookCreation";
export type HookPhase = "Running" | "Succeeded" | "Failed";

/** The phases a sync runs in, in order (SyncFail only when the sync failed). */
export const HOOK_TYPES: readonly HookType[] = ["PreSync", "Sync", "PostSync", "SyncFail"];
const DELETE_POLICIES: readonly DeletePolicy[] = ["HookSucceeded", "HookFailed", "BeforeHookCreation"];

const HELM_TYPES: Record<string, HookType> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
};
const HELM_POLICIES: Record<string, DeletePolicy> = {
  "before-hook-creation": "BeforeHookCreation",
  "hook-succeeded": "HookSucceeded",
  "hook-failed": "HookFailed",
};

export interface HookSpec {
  /** The phases it runs in; empty for a hook of a kind of phase sluice does not run (PreDelete). */
  types: HookType[];
  deletePolicies: DeletePolicy[];
}

export type Classified = { role: "ordinary" } | { role: "skip" } | ({ role: "hook" } & HookSpec);

const csv = (object: KubeObject, annotation: string): string[] | undefined =>
  object.metadata?.annotations?.[annotation]
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const unique = <T>(values: T[]): T[] => [...new Set(values)];

function deletePoliciesOf(object: KubeObject): DeletePolicy[] {
  const own = (csv(object, HOOK_DELETE_POLICY_ANNOTATION) ?? []).filter((p): p is DeletePolicy =>
    DELETE_POLICIES.includes(p as DeletePolicy),
  );
  const helm = (csv(object, HELM_DELETE_POLICY) ?? []).flatMap((p) => HELM_POLICIES[p] ?? []);
  const all = unique([...own, ...helm]);
  return all.length > 0 ? all : ["BeforeHookCreation"];
}

/** Whether the object is an ordinary one, a hook (and when it runs), or skipped altogether. */
export function classify(object: KubeObject): Classified {
  const own = csv(object, HOOK_ANNOTATION);
  if (own !== undefined) {
    // Argo CD: Skip only counts when it is the only word; "Skip,PreSync" is a PreSync hook.
    if (own.length === 1 && own[0] === "Skip") return { role: "skip" };
    const types = unique(own.filter((t): t is HookType => HOOK_TYPES.includes(t as HookType)));
    // Argo CD reads Helm's annotation only when its own names no phase.
    const helm = types.length > 0 ? [] : helmTypes(object);
    return { role: "hook", types: unique([...types, ...helm]), deletePolicies: deletePoliciesOf(object) };
  }
  const helmHook = object.metadata?.annotations?.[HELM_HOOK];
  if (helmHook === undefined || helmHook === "crd-install") return { role: "ordinary" };
  return { role: "hook", types: helmTypes(object), deletePolicies: deletePoliciesOf(object) };
}

const helmTypes = (object: KubeObject): HookType[] =>
  unique((csv(object, HELM_HOOK) ?? []).flatMap((t) => HELM_TYPES[t] ?? []));

/** A placed hook with what it runs as. */
export type Hooked<T> = T & { hook: HookSpec };

/** Placed objects split: those a sync applies and compares, the hooks, and the skipped ones. */
export function splitHooks<T extends { placed: Placed }>(ordered: T[]) {
  const ordinary: T[] = [];
  const hooks: Hooked<T>[] = [];
  const skipped: T[] = [];
  for (const item of ordered) {
    const c = classify(item.placed.object);
    if (c.role === "ordinary") ordinary.push(item);
    else if (c.role === "skip") skipped.push(item);
    else hooks.push({ ...item, hook: { types: c.types, deletePolicies: c.deletePolicies } });
  }
  return { ordinary, hooks, skipped };
}

interface Named {
  metadata?: KubeObject["metadata"] & { generateName?: string };
}

/**
 * A hook with `metadata.generateName` and no name gets a name made from the revision and the
 * sync's start (as Argo CD names them), so each sync creates a new one and the name is known
 * before it is created. (Argo CD adds the phase too; here one name serves all the hook's phases.)
 */
export function nameGenerated<T extends { object: KubeObject }>(
  rendered: T[],
  revision: string,
  nowMs: number,
): T[] {
  return rendered.map((r) => {
    const meta = (r.object as Named).metadata;
    if (!meta?.generateName || meta.name || classify(r.object).role !== "hook") return r;
    const { generateName, ...rest } = meta;
    const name = `${generateName}${revision.slice(0, 7)}-${Math.floor(nowMs / 1000)}`.toLowerCase();
    return { ...r, object: { ...r.object, metadata: { ...rest, name } } };
  });
}

const waveOf = (object: KubeObject): number => {
  const annotations = object.metadata?.annotations ?? {};
  const text = annotations[SYNC_WAVE] ?? annotations[HELM_WEIGHT];
  const wave = Number.parseInt(text ?? "0", 10);
  return Number.isNaN(wave) ? 0 : wave;
};

/** The hooks of one phase in waves (lowest first), each wave in the apply order of kinds and names. */
export function phasePlan<T extends { placed: Placed; hook: HookSpec }>(hooks: T[], phase: HookType): T[][] {
  const inPhase = hooks.filter((h) => h.hook.types.includes(phase));
  const byPlaced = new Map(inPhase.map((h) => [h.placed, h]));
  const waves = new Map<number, T[]>();
  for (const p of applyOrder(inPhase.map((h) => h.placed))) {
    const wave = waveOf(p.object);
    const item = byPlaced.get(p);
    if (item) waves.set(wave, [...(waves.get(wave) ?? []), item]);
  }
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([, items]) => items);
}

interface LiveHook extends KubeObject {
  status?: {
    phase?: string;
    message?: string;
    reason?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

type Progress = { phase: HookPhase; message: string };
const nameOf = (o: KubeObject) => `${o.kind}/${o.metadata?.name ?? ""}`;

function jobPhase(o: LiveHook): Progress {
  const is = (type: string) => o.status?.conditions?.find((c) => c.type === type && c.status === "True");
  if (is("Complete")) return { phase: "Succeeded", message: `${nameOf(o)} completed` };
  const failed = is("Failed");
  if (failed) return { phase: "Failed", message: failed.message ?? failed.reason ?? "job failed" };
  return { phase: "Running", message: `${nameOf(o)} is running` };
}

function podPhase(o: LiveHook): Progress {
  const phase = o.status?.phase;
  if (phase === "Succeeded") return { phase: "Succeeded", message: `${nameOf(o)} succeeded` };
  if (phase === "Failed")
    return { phase: "Failed", message: o.status?.message ?? o.status?.reason ?? "pod failed" };
  return { phase: "Running", message: `${nameOf(o)} is ${(phase ?? "pending").toLowerCase()}` };
}

/**
 * How far a hook has run: a Job by its Complete and Failed conditions, a Pod by its phase; any
 * other kind by its health as Argo CD does (Healthy or nothing to say: done; Degraded: failed).
 */
export function hookPhaseOf(live: KubeObject, health: { status: string; message?: string }): Progress {
  const o = live as LiveHook;
  if (o.kind === "Job" && o.apiVersion?.startsWith("batch/")) return jobPhase(o);
  if (o.kind === "Pod" && o.apiVersion === "v1") return podPhase(o);
  const message = health.message ?? `${nameOf(o)} is ${health.status}`;
  if (health.status === "Healthy") return { phase: "Succeeded", message: `${nameOf(o)} created` };
  if (health.status === "Degraded" || health.status === "Unknown") return { phase: "Failed", message };
  return { phase: "Running", message };
}

/** When a hook that ended is deleted: after success with HookSucceeded, after failure with HookFailed. */
export const deleteAfter = (spec: HookSpec, phase: HookPhase): boolean =>
  (phase === "Succeeded" && spec.deletePolicies.includes("HookSucceeded")) ||
  (phase === "Failed" && spec.deletePolicies.includes("HookFailed"));

/** The hooks in status.resources as Argo CD lists them: `hook: true`, no sync status of their own. */
export function hookStatuses(hooks: { placed: Placed }[]): ResourceStatus[] {
  return hooks.map(({ placed }) => ({
    group: placed.group,
    version: placed.version,
    kind: placed.object.kind ?? "",
    ...(placed.object.metadata?.namespace ? { namespace: placed.object.metadata.namespace } : {}),
    name: placed.object.metadata?.name ?? "",
    hook: true,
  }));
}
