// The I/O around the pure deciders of src/cli/actions: read the Rollout, decide, send the merge
// patches with the resourceVersion read (status through the status subresource, spec on the
// Rollout; field manager kubectl-sluice), and on a 409 read again and decide again — never a
// blind retry, since what was decided may no longer apply.
import type { Command } from "commander";
import type { Rollout } from "../../api/rollout.ts";
import { isConflict } from "../../kube/errors.ts";
import { ReplicaSets, Rollouts } from "../../kube/resources.ts";
import type { ReplicaSet } from "../../rollout/world.ts";
import type { Decision, Fields } from "../actions/decision.ts";
import { type Cluster, connect } from "../cluster.ts";
import { CliError } from "../errors.ts";
import { getRollout, ownedSelector } from "../rollout-view.ts";
import { type CommandContext, globalsOf } from "./context.ts";

export const CLI_FIELD_MANAGER = "kubectl-sluice";

/** Attempts at a command whose patches keep meeting a changed Rollout, before giving up. */
export const MAX_ATTEMPTS = 5;

/** What the shell reads and writes; tests put a fake (or a wrapped real one) in its place. */
export interface RolloutStore {
  get(name: string): Promise<Rollout>;
  /** ReplicaSets that may belong to the Rollout (the decider keeps those it controls). */
  replicaSets(rollout: Rollout): Promise<ReplicaSet[]>;
  patch(
    name: string,
    fields: Fields,
    options: { resourceVersion: string | undefined; subresource?: "status" },
  ): Promise<Rollout>;
}

export function clusterStore(cluster: Cluster): RolloutStore {
  const { client, namespace } = cluster;
  return {
    get: (name) => getRollout(client, namespace, name),
    replicaSets: async (rollout) =>
      (
        await client.list<ReplicaSet>(ReplicaSets, {
          namespace,
          labelSelector: ownedSelector(rollout.spec?.selector),
        })
      ).items,
    patch: (name, fields, options) =>
      client.mergePatch<Rollout>(Rollouts, { namespace, name }, fields, CLI_FIELD_MANAGER, options),
  };
}

export type Decide = (rollout: Rollout, store: RolloutStore) => Decision | Promise<Decision>;

export interface Outcome {
  decision: Extract<Decision, { kind: "patch" | "noop" }>;
  /** The Rollout the decision was made from. */
  rollout: Rollout;
  attempts: number;
}

/** Status first, as the peer: a promote's spec.paused: false then lands on an unpaused status. */
async function send(store: RolloutStore, rollout: Rollout, decision: Extract<Decision, { kind: "patch" }>) {
  const name = rollout.metadata?.name ?? "";
  let resourceVersion = rollout.metadata?.resourceVersion;
  if (decision.status) {
    const after = await store.patch(
      name,
      { status: decision.status },
      { resourceVersion, subresource: "status" },
    );
    resourceVersion = after.metadata?.resourceVersion;
  }
  if (decision.spec) await store.patch(name, { spec: decision.spec }, { resourceVersion });
}

/**
 * Reads, decides and patches; a 409 (the Rollout changed since it was read, e.g. the controller
 * wrote its status) starts over from the read. A refusal is an error (exit 1).
 */
export async function mutate(store: RolloutStore, name: string, decide: Decide): Promise<Outcome> {
  for (let attempts = 1; ; attempts++) {
    const rollout = await store.get(name);
    const decision = await decide(rollout, store);
    if (decision.kind === "refuse") throw new CliError(decision.message);
    if (decision.kind === "noop") return { decision, rollout, attempts };
    try {
      await send(store, rollout, decision);
      return { decision, rollout, attempts };
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempts >= MAX_ATTEMPTS) {
        throw new CliError(
          `rollout '${name}' changed under each of ${MAX_ATTEMPTS} attempts to write it: try again`,
        );
      }
    }
  }
}

export interface MutationOptions {
  /** A warning for stderr once the patch is sent (set image, undo on a Rollout Git owns). */
  warn?: (rollout: Rollout) => string | undefined;
}

/** Runs `decide` for each named Rollout in turn, printing what was done; stops at the first error. */
export async function runMutation(
  ctx: CommandContext,
  command: Command,
  names: readonly string[],
  decide: Decide,
  options: MutationOptions = {},
): Promise<number> {
  const cluster = connect(globalsOf(command));
  try {
    const store = clusterStore(cluster);
    for (const name of names) {
      const { decision, rollout } = await mutate(store, name, decide);
      const warning = decision.kind === "patch" ? options.warn?.(rollout) : undefined;
      if (warning) ctx.io.err(warning);
      ctx.io.out(`${decision.message}\n`);
    }
    return 0;
  } finally {
    cluster.close();
  }
}
