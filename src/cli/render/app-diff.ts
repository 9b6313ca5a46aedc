// `kubectl sluice app diff NAME`: per object that differs, Argo CD's header line and a unified diff of
// live (---) against what applying Git would leave (+++), both normalised as the controller compares
// them, as YAML. Secret values are masked on both sides (a changed value shows as a changed mask,
// never the value). A Rollout whose pod template changes gets a line saying what the change will
// do. Pure: the computed differences → text.
import { stringify } from "yaml";
import { REDACTED, redact } from "../../gitops/diff/index.ts";
import type { KubeObject } from "../../kube/types.ts";
import { unifiedDiff } from "./line-diff.ts";

export interface ObjectDiff {
  group: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  /** Live, normalised; absent when the object does not exist yet. */
  live?: Record<string, unknown> | undefined;
  /** What Git leaves after a sync (the dry-run answer), normalised; absent when a sync prunes it. */
  git?: Record<string, unknown> | undefined;
  /** A line about what the change does (a Rollout's steps, a prune). */
  note?: string | undefined;
  /** Why the object could not be compared (the dry run's error). */
  error?: string | undefined;
}

type Values = Record<string, unknown> | undefined;

const valuesOf = (object: Values, field: string) => {
  const values = object?.[field];
  return typeof values === "object" && values !== null ? (values as Record<string, unknown>) : undefined;
};

/**
 * Both sides with Secret values masked; a value that differs between the sides gets a mask that
 * differs too, so the diff shows which key changed and nothing of what it holds.
 */
export function maskSecrets(live: Values, git: Values): [Values, Values] {
  const masked = (side: Values) => (side ? (redact(side as KubeObject) as Record<string, unknown>) : side);
  const [maskedLive, maskedGit] = [masked(live), masked(git)];
  const liveData = valuesOf(live, "data");
  const gitData = valuesOf(git, "data");
  const maskedLiveData = valuesOf(maskedLive, "data");
  const maskedGitData = valuesOf(maskedGit, "data");
  if (maskedLive !== live && liveData && gitData && maskedLiveData && maskedGitData) {
    for (const key of Object.keys(liveData)) {
      if (key in gitData && liveData[key] !== gitData[key]) {
        maskedLiveData[key] = `${REDACTED} (live)`;
        maskedGitData[key] = `${REDACTED} (git)`;
      }
    }
  }
  return [maskedLive, maskedGit];
}

const yamlLines = (side: Values): string[] => (side ? stringify(side).trimEnd().split("\n") : []);

export function objectTitle(d: Pick<ObjectDiff, "group" | "kind" | "namespace" | "name">): string {
  return `${d.group}/${d.kind} ${d.namespace ? `${d.namespace}/` : ""}${d.name}`;
}

function renderOne(d: ObjectDiff, revision: string): string[] {
  const lines = [`===== ${objectTitle(d)} ======`];
  if (d.error) return [...lines, `cannot compare: ${d.error}`];
  const [live, git] = maskSecrets(d.live, d.git);
  lines.push(
    d.live ? "--- live" : "--- live (does not exist)",
    d.git ? `+++ git ${revision}` : `+++ git ${revision} (not in Git)`,
    ...unifiedDiff(yamlLines(live), yamlLines(git)),
  );
  if (d.note) lines.push(`=> ${d.note}`);
  return lines;
}

/** Every differing object in turn; "" when none differs. */
export function renderAppDiff(diffs: readonly ObjectDiff[], revision: string): string {
  if (diffs.length === 0) return "";
  return `${diffs.flatMap((d) => renderOne(d, revision)).join("\n")}\n`;
}
