// Watch-driven views for `get -w` and `status`: the kernel's informers (LIST then WATCH, reconnect
// on errors) on the Rollout and, for the tree, its ReplicaSets, pods and AnalysisRuns. Nothing
// polls: a change on the API server is what makes the CLI look again.
import pino from "pino";
import type { LabelSelector } from "../api/common.ts";
import { Informer } from "../controller/informer.ts";
import type { KubeClient } from "../kube/client.ts";
import {
  AnalysisRuns,
  type ObjectRef,
  Pods,
  ReplicaSets,
  type ResourceType,
  Rollouts,
} from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { AnalysisRun, Pod, ReplicaSet, Rollout, RolloutView } from "./render/objects.ts";
import { assembleView, ownedSelector } from "./rollout-view.ts";

export interface WatchOptions {
  /** Also watch what the Rollout owns (for the tree); only the Rollout otherwise. */
  owned: boolean;
  /** Watch AnalysisRuns too (false when their kind is not installed). */
  runs: boolean;
}

export interface RolloutWatch {
  /** Resolves once every watch has listed (or the watch is stopped): from then on the views are whole. */
  synced: Promise<void>;
  /** The Rollout as last seen (undefined once deleted). */
  rollout(): Rollout | undefined;
  /** The Rollout and what it owns as last seen. */
  view(): RolloutView | undefined;
  stop(): Promise<void>;
}

const silent = pino({ level: "silent" });

export function watchRollout(
  client: KubeClient,
  ref: Required<ObjectRef>,
  selector: LabelSelector | undefined,
  options: WatchOptions,
  onChange: () => void,
): RolloutWatch {
  const { namespace, name } = ref;
  const informer = <T extends KubeObject>(
    type: ResourceType,
    extra: { labelSelector?: string; fieldSelector?: string },
  ) => {
    const inf = new Informer<T>({ client, type, namespace, logger: silent, ...extra });
    inf.on(() => onChange());
    return inf;
  };
  const rollouts = informer<Rollout>(Rollouts, { fieldSelector: `metadata.name=${name}` });
  const labelSelector = ownedSelector(selector);
  const replicaSets = options.owned ? informer<ReplicaSet>(ReplicaSets, { labelSelector }) : undefined;
  const pods = options.owned ? informer<Pod>(Pods, { labelSelector }) : undefined;
  const runs = options.owned && options.runs ? informer<AnalysisRun>(AnalysisRuns, {}) : undefined;
  const all = [rollouts, replicaSets, pods, runs].filter((i) => i !== undefined);
  const synced = Promise.all(all.map((i) => i.start())).then(() => undefined);
  const rollout = () => rollouts.cache.get(`${namespace}/${name}`);
  return {
    synced,
    rollout,
    view: () => {
      const current = rollout();
      if (!current) return undefined;
      return assembleView(
        current,
        [...(replicaSets?.cache.values() ?? [])],
        [...(pods?.cache.values() ?? [])],
        [...(runs?.cache.values() ?? [])],
      );
    },
    stop: async () => {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}

/**
 * Calls `fn` on trigger, at most once per `intervalMs` (the peer's anti-flicker): a burst of
 * events gives one redraw now and one with the final state.
 */
export function throttle(fn: () => void, intervalMs: number): { trigger(): void; cancel(): void } {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  return {
    trigger: () => {
      if (timer) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type Ended<T> = { kind: "settled"; value: T } | { kind: "timeout" } | { kind: "interrupted" };

/**
 * How a watch ends: settled by the caller, a timeout (0: none), or the user interrupting. The
 * timer and listener are removed by dispose().
 */
export function ending<T>(signal: AbortSignal, timeoutMs: number) {
  let settle: (end: Ended<T>) => void = () => undefined;
  const promise = new Promise<Ended<T>>((resolve) => {
    settle = resolve;
  });
  const onAbort = () => settle({ kind: "interrupted" });
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  const timer = timeoutMs > 0 ? setTimeout(() => settle({ kind: "timeout" }), timeoutMs) : undefined;
  return {
    promise,
    settle: (value: T) => settle({ kind: "settled", value }),
    dispose: () => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    },
  };
}
