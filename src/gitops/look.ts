// What one look at an Application works with: the controller's shell (its caches, clients and
// the state kept between looks), the look itself, and what it observed of Git and the cluster.
import type { Application, FailedRollout } from "../api/application.ts";
import type { Kernel } from "../controller/kernel.ts";
import type { Hooked } from "./apply/hooks.ts";
import type { ToPrune } from "./apply/sync.ts";
import type { Comparer, ObjectState } from "./compare.ts";
import type { ManagedObjects } from "./live.ts";
import type { GitopsMetrics } from "./metrics.ts";
import type { Typed } from "./objects.ts";
import type { RepoCache } from "./source/repo-cache.ts";
import type { SourceCache } from "./source/source-cache.ts";

export interface Shell {
  kernel: Kernel;
  cache: RepoCache;
  sources: SourceCache;
  writer: ReturnType<Kernel["statusWriter"]>;
  events: ReturnType<Kernel["events"]>;
  pollMs: number;
  live: ManagedObjects;
  comparer: Comparer;
  metrics: GitopsMetrics;
  /**
   * The namespaces Applications may deploy into and the flag that said so (--destination-namespaces,
   * else the kernel's --namespace); undefined: any namespace.
   */
  destinations:
    | { namespaces: readonly string[]; flag: "--destination-namespaces" | "--namespace" }
    | undefined;
  /** Another Application of a namespace, from the informer's cache (dependsOn). */
  application: (namespace: string, name: string) => Application | undefined;
  /** Self-heals in a row per Application, at one revision. */
  heals: Map<string, { revision: string; attempts: number; atMs: number }>;
}

/** What one look works with. */
export interface Look {
  shell: Shell;
  app: Application;
  key: string;
  nowMs: number;
  now: string;
}

export interface Observed {
  sha: string;
  fresh: boolean;
  states: ObjectState[];
  leftovers: ToPrune[];
  /** Rollouts aborted at this revision, and their names (held back from automation). */
  failed: FailedRollout[];
  held: Set<string>;
  /** dependsOn: the Applications not Synced and Healthy yet (none: free to sync). */
  waitingFor: string[];
  /** Sync hooks: run by a sync, never compared or pruned. */
  hooks: Hooked<Typed>[];
}

export type CannotCompare = { type: "InvalidSpecError" | "ComparisonError"; message: string };

/** A Rollout whose template failed at this revision: automation leaves it alone (rollback-aware). */
export const isHeld = (seen: Observed, s: ObjectState) =>
  s.placed.object.kind === "Rollout" && seen.held.has(s.placed.object.metadata?.name ?? "");
