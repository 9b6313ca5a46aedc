// How live differs from Git for one Application, computed the way the controller computes it and
// with its own pieces: the source read into a scratch repository cache (manifestsOf), every object
// placed (placeAll), compared by a server-side-apply dry run as sluice-gitops (compareAll: the
// Comparer), and the prune candidates of the last inventory (pruneCandidates). Nothing is written.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Application } from "../../api/application.ts";
import type { Rollout } from "../../api/rollout.ts";
import { Comparer, type ObjectState } from "../../gitops/compare.ts";
import { comparedSides, type IgnoreRule } from "../../gitops/diff/index.ts";
import { normalize } from "../../gitops/diff/normalize.ts";
import { compareAll, entryOf, type ObjectsContext, placeAll, pruneCandidates } from "../../gitops/objects.ts";
import { ComparisonError, manifestsOf } from "../../gitops/source/manifests.ts";
import { RepoCache } from "../../gitops/source/repo-cache.ts";
import type { KubeClient } from "../../kube/client.ts";
import { ApiDiscovery } from "../../kube/discovery.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/types.ts";
import { CliError } from "../errors.ts";
import type { ObjectDiff } from "../render/app-diff.ts";
import { changesPodTemplate, rolloutChangeSummary } from "../render/app-rollout-change.ts";

/** kubectl diff's codes: 0 no difference, 1 differences, above 1 the comparison failed. */
export const EXIT_DIFF_ERROR = 2;

export interface AppDiff {
  /** The commit compared with. */
  sha: string;
  diffs: ObjectDiff[];
  /** Objects refused by placement (outside the destination, cluster-scoped): the controller refuses them too. */
  refused: string[];
}

const isRollout = (object: KubeObject | undefined) =>
  object?.kind === "Rollout" && (object.apiVersion ?? "").startsWith("sluice.dev/");

function diffOf(state: ObjectState, rules: IgnoreRule[]): ObjectDiff | undefined {
  if (state.status === "Synced") return undefined;
  const entry = entryOf(state.placed);
  const id = { group: entry.group, kind: entry.kind, namespace: entry.namespace, name: entry.name };
  if (!state.live) {
    const git = normalize(state.placed.object);
    const firstDeploy = isRollout(state.placed.object);
    return {
      ...id,
      git,
      note: firstDeploy ? rolloutChangeSummary(git as Rollout, { firstDeploy }) : undefined,
    };
  }
  if (!state.predicted) return { ...id, error: state.message ?? "the dry run gave no answer" };
  const sides = comparedSides(state.predicted, state.live, rules);
  const note =
    isRollout(state.predicted) && changesPodTemplate(state.drift)
      ? rolloutChangeSummary(state.predicted as Rollout)
      : undefined;
  return { ...id, live: sides.live, git: sides.predicted, note };
}

/** A GET per object (the CLI has no informers); a missing object is undefined. */
function liveReader(client: KubeClient): ObjectsContext["live"] {
  return {
    liveOf: (type, ref) =>
      client.get<KubeObject>(type, ref).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      }),
  };
}

async function compareWithGit(client: KubeClient, app: Application, cache: RepoCache): Promise<AppDiff> {
  let reading: Awaited<ReturnType<typeof manifestsOf>>;
  try {
    reading = await manifestsOf(cache, app);
  } catch (error) {
    if (error instanceof ComparisonError)
      throw new CliError(`cannot read the source: ${error.message}`, EXIT_DIFF_ERROR);
    throw error;
  }
  const ctx: ObjectsContext = {
    app,
    key: `${app.metadata?.namespace}/${app.metadata?.name}`,
    discovery: new ApiDiscovery(client.transport),
    live: liveReader(client),
    comparer: new Comparer(client),
  };
  const { ordered, refused } = await placeAll(ctx, reading.rendered);
  const rules = (app.spec?.ignoreDifferences ?? []) as unknown as IgnoreRule[];
  const respect = (app.spec?.syncPolicy?.syncOptions ?? []).includes("RespectIgnoreDifferences=true");
  const states = await compareAll(ctx, ordered, rules, respect);
  const diffs = states.flatMap((s) => diffOf(s, rules) ?? []);
  for (const { entry, live } of await pruneCandidates(
    ctx,
    ordered.map((o) => o.placed),
  )) {
    diffs.push({ ...entry, live: normalize(live), note: "not in Git: a sync with prune deletes it" });
  }
  return { sha: reading.sha, diffs, refused };
}

/** Live against Git for `app`, reading its repository into a scratch directory removed after. */
export async function diffApplication(client: KubeClient, app: Application): Promise<AppDiff> {
  const dir = await mkdtemp(join(tmpdir(), "kubectl-sluice-diff-"));
  try {
    return await compareWithGit(client, app, new RepoCache(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
