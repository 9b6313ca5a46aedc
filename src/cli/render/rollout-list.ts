// `kubectl sluice list rollouts`: the peer's columns (../shared/reference/ecosystem.md §1.6.2),
// NAMESPACE first with --all-namespaces, and with -o wide the age, images and message. Pure.
import type { Rollout } from "../../api/rollout.ts";
import { age } from "./age.ts";
import { phaseOf, replicasOf, setWeightOf, stepOf, strategyOf } from "./rollout-info.ts";
import { formatTable } from "./table.ts";

export interface ListOptions {
  allNamespaces: boolean;
  wide: boolean;
}

const HEADER = [
  "NAME",
  "STRATEGY",
  "STATUS",
  "STEP",
  "SET-WEIGHT",
  "READY",
  "DESIRED",
  "UP-TO-DATE",
  "AVAILABLE",
];

function imagesText(rollout: Rollout): string {
  const containers = (rollout.spec?.template?.spec?.containers ?? []) as { image?: string }[];
  return containers.map((c) => c.image ?? "").join(",") || "-";
}

function row(rollout: Rollout, now: Date, options: ListOptions): string[] {
  const { phase, message } = phaseOf(rollout);
  const strategy = strategyOf(rollout);
  const replicas = replicasOf(rollout);
  const cells = [
    rollout.metadata?.name ?? "",
    strategy || "-",
    phase,
    stepOf(rollout) ?? "-",
    strategy === "Canary" ? String(setWeightOf(rollout)) : "-",
    `${replicas.ready}/${replicas.current}`,
    String(replicas.desired),
    String(replicas.updated),
    String(replicas.available),
  ];
  if (options.allNamespaces) cells.unshift(rollout.metadata?.namespace ?? "");
  if (options.wide)
    cells.push(age(rollout.metadata?.creationTimestamp, now), imagesText(rollout), message || "-");
  return cells;
}

export function renderRolloutList(rollouts: Rollout[], now: Date, options: ListOptions): string {
  const header = [
    ...(options.allNamespaces ? ["NAMESPACE"] : []),
    ...HEADER,
    ...(options.wide ? ["AGE", "IMAGES", "MESSAGE"] : []),
  ];
  const sorted = [...rollouts].sort(
    (a, b) =>
      (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  return `${formatTable([header, ...sorted.map((r) => row(r, now, options))]).join("\n")}\n`;
}
