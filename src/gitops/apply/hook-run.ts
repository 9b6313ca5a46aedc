// A sync with hooks, around runSync: after the dry run (and the destination Namespace), PreSync
// hooks run and a failed one stops the sync before any object is applied; then the objects are
// applied and pruned (runSync); then the Sync hooks (Argo CD runs them with the objects of their
// wave; here after all of them); then, when there are PostSync hooks, the objects are waited for
// until Healthy (one Degraded fails the sync) and the PostSync hooks run. A sync that failed after
// its dry run runs the SyncFail hooks. Each phase runs its hooks wave by wave, all of a wave at
// once.
//
// Waiting is bounded, inside the sync: a wave of hooks, and the health wait, get HOOK_TIMEOUT_MS
// (5 min) each, read by GET every HOOK_POLL_MS (500 ms). Argo CD instead leaves the operation
// Running and looks again; a bounded wait is simpler and holds one worker for at most that long
// per phase, which is what a migration Job costs anyway. A hook still running at the deadline is
// left running, recorded as Running, and the sync fails saying so.
//
// A hook is created (POST), not server-side applied: each sync runs it afresh. With
// BeforeHookCreation (the default) an existing object of its name is deleted first and waited for;
// without it an existing one is kept and its result read (Argo CD: a named hook runs once). Jobs are
// deleted with Background propagation (their API default orphans the pods).
import { sleep } from "../../controller/clock.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../../kube/errors.ts";
import type { ResourceType } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type Health, healthOf } from "../health/index.ts";
import {
  deleteAfter,
  type HookPhase,
  type HookSpec,
  type HookType,
  hookPhaseOf,
  phasePlan,
} from "./hooks.ts";
import type { Placed } from "./placement.ts";
import {
  GITOPS_FIELD_MANAGER,
  type ResourceResult,
  runSync,
  type SyncOutcome,
  type SyncPlan,
} from "./sync.ts";

export const HOOK_TIMEOUT_MS = 5 * 60_000;
export const HOOK_POLL_MS = 500;

export interface RunnableHook {
  placed: Placed;
  type: ResourceType;
  hook: HookSpec;
}

/** An ordinary object of the sync, whose health the PostSync hooks wait for. */
export interface Watched {
  placed: Placed;
  type: ResourceType;
}

export interface HookRun {
  client: KubeClient;
  hooks: RunnableHook[];
  desired: Watched[];
  timeoutMs?: number;
  pollMs?: number;
}

export interface HookResult extends ResourceResult {
  hookType: HookType;
  hookPhase: HookPhase;
}

const refOf = (p: Placed) => ({
  namespace: p.object.metadata?.namespace,
  name: p.object.metadata?.name ?? "",
});
const named = (p: Placed) => `${p.object.kind}/${p.object.metadata?.name ?? ""}`;
const entryOf = (p: Placed) => ({
  group: p.group,
  version: p.version,
  kind: p.object.kind ?? "",
  ...(p.object.metadata?.namespace ? { namespace: p.object.metadata.namespace } : {}),
  name: p.object.metadata?.name ?? "",
});

/** The live object, undefined when gone, or the read's error. */
async function read(client: KubeClient, type: ResourceType, p: Placed) {
  try {
    return { live: await client.get<KubeObject>(type, refOf(p)) };
  } catch (error) {
    if (isNotFound(error)) return { live: undefined };
    return { error: (error as Error).message };
  }
}

const deadlineOf = (run: HookRun) => Date.now() + (run.timeoutMs ?? HOOK_TIMEOUT_MS);
const pause = (run: HookRun) => sleep(run.pollMs ?? HOOK_POLL_MS);
const minutes = (run: HookRun) => `${Math.round((run.timeoutMs ?? HOOK_TIMEOUT_MS) / 1000)}s`;

async function remove(client: KubeClient, h: RunnableHook): Promise<void> {
  await client
    .delete(h.type, refOf(h.placed), { propagationPolicy: "Background" })
    .catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
}

/** BeforeHookCreation: the existing object deleted and gone, or why not. */
async function replaceExisting(run: HookRun, h: RunnableHook): Promise<string | undefined> {
  try {
    await remove(run.client, h);
  } catch (error) {
    return `could not delete the existing ${named(h.placed)}: ${(error as Error).message}`;
  }
  const deadline = deadlineOf(run);
  while (Date.now() < deadline) {
    const now = await read(run.client, h.type, h.placed);
    if (!("error" in now) && now.live === undefined) return undefined;
    await pause(run);
  }
  return `the existing ${named(h.placed)} was not deleted within ${minutes(run)}`;
}

/** Creates the hook (after deleting an old one when its policy says so); an error, or nothing. */
async function start(run: HookRun, h: RunnableHook): Promise<string | undefined> {
  if (h.hook.deletePolicies.includes("BeforeHookCreation")) {
    const failed = await replaceExisting(run, h);
    if (failed) return failed;
  }
  try {
    await run.client.create(h.type, h.placed.object, GITOPS_FIELD_MANAGER);
  } catch (error) {
    // Kept without BeforeHookCreation: its result is this sync's.
    if (!isAlreadyExists(error)) return (error as Error).message;
  }
  return undefined;
}

interface Ended {
  hook: RunnableHook;
  phase: HookPhase;
  message: string;
}

/** How far one hook got now. */
async function progressOf(run: HookRun, h: RunnableHook): Promise<Ended> {
  const now = await read(run.client, h.type, h.placed);
  if ("error" in now) return { hook: h, phase: "Running", message: now.error };
  if (!now.live)
    return { hook: h, phase: "Failed", message: `${named(h.placed)} was deleted before it ended` };
  return { hook: h, ...hookPhaseOf(now.live, healthOf(h.placed.group, now.live)) };
}

/** Polls the hooks of a wave until each ended or the deadline passed (those still Running). */
async function untilEnded(run: HookRun, wave: RunnableHook[]): Promise<Ended[]> {
  const deadline = deadlineOf(run);
  let states: Ended[] = [];
  for (;;) {
    states = await Promise.all(wave.map((h) => progressOf(run, h)));
    if (states.every((s) => s.phase !== "Running") || Date.now() >= deadline) break;
    await pause(run);
  }
  return states.map((s) =>
    s.phase === "Running"
      ? { ...s, message: `still running after ${minutes(run)}; the sync stopped waiting (${s.message})` }
      : s,
  );
}

const hookResult = (h: RunnableHook, type: HookType, phase: HookPhase, message: string, created = true) => ({
  ...entryOf(h.placed),
  status: created ? ("Synced" as const) : ("SyncFailed" as const),
  message,
  hookType: type,
  hookPhase: phase,
});

/** Deletes a hook that ended when its policy says so; a failed delete is said in its message. */
async function afterEnd(run: HookRun, e: Ended): Promise<string> {
  if (e.phase === "Running" || !deleteAfter(e.hook.hook, e.phase)) return e.message;
  try {
    await remove(run.client, e.hook);
    return `${e.message}; deleted (${e.phase === "Succeeded" ? "HookSucceeded" : "HookFailed"})`;
  } catch (error) {
    return `${e.message}; could not delete it: ${(error as Error).message}`;
  }
}

/** Runs one phase's hooks, wave by wave; the first failure's message, or nothing. */
async function runPhase(run: HookRun, type: HookType, results: HookResult[]): Promise<string | undefined> {
  for (const wave of phasePlan(run.hooks, type)) {
    const started: RunnableHook[] = [];
    for (const h of wave) {
      const error = await start(run, h);
      if (error) {
        results.push(hookResult(h, type, "Failed", error, false));
        return `${type} hook ${named(h.placed)} failed: ${error}`;
      }
      started.push(h);
    }
    const ended = await untilEnded(run, started);
    for (const e of ended) results.push(hookResult(e.hook, type, e.phase, await afterEnd(run, e)));
    const failed = ended.find((e) => e.phase !== "Succeeded");
    if (failed) return `${type} hook ${named(failed.hook.placed)} failed: ${failed.message}`;
  }
  return undefined;
}

/** PostSync waits for every object of the sync to be Healthy; one Degraded fails the sync. */
async function untilHealthy(run: HookRun): Promise<string | undefined> {
  const deadline = deadlineOf(run);
  let waiting = "";
  for (;;) {
    const healths = await Promise.all(
      run.desired.map(async (d): Promise<[Watched, Health]> => {
        const now = await read(run.client, d.type, d.placed);
        if ("error" in now) return [d, { status: "Unknown", message: now.error }];
        return [d, healthOf(d.placed.group, now.live)];
      }),
    );
    const degraded = healths.find(([, h]) => h.status === "Degraded");
    if (degraded)
      return `${named(degraded[0].placed)} is Degraded: ${degraded[1].message ?? ""}; PostSync hooks not run`;
    const unhealthy = healths.find(([, h]) => h.status !== "Healthy");
    if (!unhealthy) return undefined;
    waiting = `${named(unhealthy[0].placed)} is ${unhealthy[1].status}${unhealthy[1].message ? `: ${unhealthy[1].message}` : ""}`;
    if (Date.now() >= deadline) break;
    await pause(run);
  }
  return `not Healthy within ${minutes(run)} (${waiting}); PostSync hooks not run`;
}

/** Sync, PostSync: the first failure's message, or nothing. */
async function afterApply(run: HookRun, results: HookResult[]): Promise<string | undefined> {
  const failed = await runPhase(run, "Sync", results);
  if (failed || !run.hooks.some((h) => h.hook.types.includes("PostSync"))) return failed;
  return (await untilHealthy(run)) ?? (await runPhase(run, "PostSync", results));
}

/** runSync with the plan's hooks run in their phases (see the top of this file). */
export async function runSyncWithHooks(run: HookRun, plan: SyncPlan): Promise<SyncOutcome> {
  if (run.hooks.length === 0) return runSync(run.client, plan);
  const results: HookResult[] = [];
  let pastDryRun = false;
  const outcome = await runSync(run.client, {
    ...plan,
    beforeApply: async () => {
      pastDryRun = true;
      const failed = await runPhase(run, "PreSync", results);
      return failed ? { ok: false, message: failed, resources: [] } : undefined;
    },
  });
  let failure = outcome.ok ? await afterApply(run, results) : outcome.message;
  if (failure && pastDryRun) {
    const syncFail = await runPhase(run, "SyncFail", results);
    if (syncFail) failure = `${failure}; one or more SyncFail hooks failed: ${syncFail}`;
  }
  return {
    ...outcome,
    ok: failure === undefined,
    message: failure ?? outcome.message,
    resources: [
      ...results.filter((r) => r.hookType === "PreSync"),
      ...outcome.resources,
      ...results.filter((r) => r.hookType !== "PreSync"),
    ],
  };
}
