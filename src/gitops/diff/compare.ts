// Drift: the server's dry-run prediction against live, after normalisation and ignore rules.
import type { KubeObject } from "../../kube/types.ts";
import { changedPaths } from "./changes.ts";
import { type IgnoreRule, ignoredPaths, matchingRules } from "./ignore.ts";
import { pruneEmpty, removeAll } from "./json.ts";
import { normalize } from "./normalize.ts";

export interface Comparison {
  drifted: boolean;
  /** JSON pointers that differ, sorted, e.g. "/spec/template/spec/containers/0/image". */
  paths: string[];
}

/** Both sides as they are compared: normalised, without the fields the matching rules ignore. */
export function comparedSides(
  predicted: KubeObject,
  live: KubeObject,
  rules: readonly IgnoreRule[],
): { predicted: Record<string, unknown>; live: Record<string, unknown> } {
  const predictedSide = normalize(predicted);
  const liveSide = normalize(live);
  const matched = matchingRules(rules, live);
  if (matched.length > 0) {
    // Each side resolves the rules itself: a jq select or a managedFields key may sit at different
    // indices in the two lists.
    removeAll(predictedSide, ignoredPaths(matched, predictedSide, live));
    removeAll(liveSide, ignoredPaths(matched, liveSide, live));
    // As Argo CD: a list or map emptied by the rules equals one that is absent.
    pruneEmpty(predictedSide);
    pruneEmpty(liveSide);
  }
  return { predicted: predictedSide, live: liveSide };
}

/** Predicted (server dry-run result) vs live after normalisation and the rules that match the object. */
export function compare(predicted: KubeObject, live: KubeObject, rules: readonly IgnoreRule[]): Comparison {
  const sides = comparedSides(predicted, live, rules);
  const paths = changedPaths(sides.predicted, sides.live);
  return { drifted: paths.length > 0, paths };
}
