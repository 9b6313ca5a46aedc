// `kubectl sluice get rollout NAME`: a header with the Rollout's state and a tree of what it owns
// (revision → ReplicaSet → pods, and AnalysisRuns), laid out like the peer's plugin
// (../shared/reference/ecosystem.md §1.6.1) so its users feel at home. Pure: objects + now → text.
import { SCALE_DOWN_DEADLINE_ANNOTATION } from "../../rollout/bluegreen.ts";
import { age, humanDuration } from "./age.ts";
import { measurementCounts, podInfo, podStatus, replicaSetStatus } from "./object-status.ts";
import type { AnalysisRun, ReplicaSet, RolloutView } from "./objects.ts";
import {
  actualWeightOf,
  type ImageInfo,
  imagesOf,
  phaseOf,
  replicasOf,
  revisionOf,
  roleTags,
  setWeightOf,
  stepOf,
  strategyOf,
} from "./rollout-info.ts";
import { icon, kindIcon, type Style, statusText, tagText } from "./style.ts";
import { formatTable } from "./table.ts";

const LABEL_WIDTH = 17;
const field = (label: string, value: string | number) => `${label.padEnd(LABEL_WIDTH)}${value}`.trimEnd();

function imageText(style: Style, image: ImageInfo): string {
  if (image.tags.length === 0) return image.image;
  return `${image.image} (${image.tags.map((t) => tagText(style, t)).join(", ")})`;
}

export function renderHeader(view: RolloutView, style: Style): string[] {
  const { rollout } = view;
  const { phase, message } = phaseOf(rollout);
  const lines = [
    field("Name:", rollout.metadata?.name ?? ""),
    field("Namespace:", rollout.metadata?.namespace ?? ""),
    field("Status:", statusText(style, phase)),
  ];
  if (message) lines.push(field("Message:", message));
  const strategy = strategyOf(rollout);
  lines.push(field("Strategy:", strategy || "-"));
  if (strategy === "Canary") {
    const step = stepOf(rollout);
    if (step) lines.push(field("  Step:", step));
    lines.push(field("  SetWeight:", setWeightOf(rollout)));
    lines.push(field("  ActualWeight:", actualWeightOf(view)));
  }
  imagesOf(view).forEach((image, i) => {
    lines.push(field(i === 0 ? "Images:" : "", imageText(style, image)));
  });
  const replicas = replicasOf(rollout);
  lines.push(
    "Replicas:",
    field("  Desired:", replicas.desired),
    field("  Current:", replicas.current),
    field("  Updated:", replicas.updated),
    field("  Ready:", replicas.ready),
    field("  Available:", replicas.available),
  );
  return lines;
}

interface Node {
  name: string;
  kind: string;
  status: string;
  age: string;
  info: string;
  children: Node[];
}

function scaleDownDelay(rs: ReplicaSet, now: Date): string | undefined {
  const deadline = Date.parse(rs.metadata?.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] ?? "");
  if (Number.isNaN(deadline)) return undefined;
  return deadline <= now.getTime() ? "delay:passed" : `delay:${humanDuration(deadline - now.getTime())}`;
}

function replicaSetNode(view: RolloutView, rs: ReplicaSet, now: Date, style: Style): Node {
  const tags = roleTags(view.rollout, rs);
  const delay = scaleDownDelay(rs, now);
  const info = [...tags.map((t) => tagText(style, t)), ...(delay ? [delay] : [])].join(",");
  const pods = view.pods
    .filter((pod) => pod.metadata?.ownerReferences?.some((o) => o.uid === rs.metadata?.uid))
    .sort(byName);
  return {
    name: `${kindIcon(style, "ReplicaSet")}${rs.metadata?.name ?? ""}`,
    kind: "ReplicaSet",
    status: statusText(style, replicaSetStatus(rs)),
    age: age(rs.metadata?.creationTimestamp, now),
    info,
    children: pods.map((pod) => ({
      name: `${kindIcon(style, "Pod")}${pod.metadata?.name ?? ""}`,
      kind: "Pod",
      status: statusText(style, podStatus(pod)),
      age: age(pod.metadata?.creationTimestamp, now),
      info: podInfo(pod),
      children: [],
    })),
  };
}

/** "✔ 3,✖ 1" on a terminal; "successful:3,failed:1" when plain. */
function countsText(run: AnalysisRun, style: Style): string {
  const counts = measurementCounts(run);
  const parts: [number, Parameters<typeof icon>[1], string][] = [
    [counts.successful, "ok", "successful"],
    [counts.failed, "bad", "failed"],
    [counts.inconclusive, "unknown", "inconclusive"],
    [counts.error, "warning", "error"],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, tone, word]) => (style.symbols ? `${icon(style, tone)} ${n}` : `${word}:${n}`))
    .join(",");
}

function analysisRunNode(run: AnalysisRun, now: Date, style: Style): Node {
  return {
    name: `${kindIcon(style, "AnalysisRun")}${run.metadata?.name ?? ""}`,
    kind: "AnalysisRun",
    status: statusText(style, run.status?.phase ?? "Pending", "AnalysisRun"),
    age: age(run.metadata?.creationTimestamp, now),
    info: countsText(run, style),
    children: [],
  };
}

const byName = (a: { metadata?: { name?: string } }, b: { metadata?: { name?: string } }) =>
  (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");

const byCreation = (a: AnalysisRun, b: AnalysisRun) =>
  (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "") || byName(a, b);

/** Revisions newest first; under each its ReplicaSets, then its AnalysisRuns oldest first. */
function revisionNodes(view: RolloutView, now: Date, style: Style): Node[] {
  const revisions = new Set([...view.replicaSets, ...view.analysisRuns].map(revisionOf));
  return [...revisions]
    .sort((a, b) => b - a)
    .map((revision) => ({
      name: `${kindIcon(style, "Revision")}revision:${revision}`,
      kind: "",
      status: "",
      age: "",
      info: "",
      children: [
        ...view.replicaSets
          .filter((rs) => revisionOf(rs) === revision)
          .sort(byName)
          .map((rs) => replicaSetNode(view, rs, now, style)),
        ...view.analysisRuns
          .filter((run) => revisionOf(run) === revision)
          .sort(byCreation)
          .map((run) => analysisRunNode(run, now, style)),
      ],
    }));
}

/** Tree rows with ├── └── │ prefixes on the name column. */
function flatten(node: Node, prefix: string, childPrefix: string, rows: string[][]): void {
  rows.push([`${prefix}${node.name}`, node.kind, node.status, node.age, node.info]);
  node.children.forEach((child, i) => {
    const last = i === node.children.length - 1;
    flatten(child, `${childPrefix}${last ? "└──" : "├──"}`, `${childPrefix}${last ? "   " : "│  "}`, rows);
  });
}

export function renderTree(view: RolloutView, now: Date, style: Style): string[] {
  const { rollout } = view;
  const root: Node = {
    name: `${kindIcon(style, "Rollout")}${rollout.metadata?.name ?? ""}`,
    kind: "Rollout",
    status: statusText(style, phaseOf(rollout).phase),
    age: age(rollout.metadata?.creationTimestamp, now),
    info: "",
    children: revisionNodes(view, now, style),
  };
  const rows = [["NAME", "KIND", "STATUS", "AGE", "INFO"]];
  flatten(root, "", "", rows);
  return formatTable(rows);
}

export function renderRolloutGet(view: RolloutView, now: Date, style: Style): string {
  return `${[...renderHeader(view, style), "", ...renderTree(view, now, style)].join("\n")}\n`;
}
