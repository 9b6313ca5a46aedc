// `kubectl sluice get analysisrun NAME`: a header (state, message, where the run comes from, when it
// ran), a table of its metrics with their counters, then each metric's kept measurements, oldest
// first. The peer has no such command; the layout follows `get rollout`'s. Pure: run + now → text.
import type { AnalysisRun, Measurement } from "../../api/analysis.ts";
import { age, humanDuration } from "./age.ts";
import {
  isDryRun,
  type MetricLine,
  metricLines,
  originOf,
  providerOf,
  summaryText,
} from "./analysisrun-info.ts";
import { type Style, statusText } from "./style.ts";
import { formatTable } from "./table.ts";

export interface AnalysisRunGetOptions {
  /** Full timestamps and values instead of ages and shortened values. */
  wide: boolean;
}

const LABEL_WIDTH = 17;
const field = (label: string, value: string) => `${label.padEnd(LABEL_WIDTH)}${value}`.trimEnd();
const VALUE_WIDTH = 40;

/** "5m ago" (or "-" when the time is missing or unreadable). */
function ago(time: string | undefined, now: Date): string {
  const at = Date.parse(time ?? "");
  return Number.isNaN(at) ? "-" : `${humanDuration(now.getTime() - at)} ago`;
}

/** "2026-03-01T11:55:00Z (5m ago)". */
const stamped = (time: string, now: Date) => `${time} (${ago(time, now)})`;

function renderHeader(run: AnalysisRun, now: Date, style: Style): string[] {
  const status = run.status ?? {};
  const lines = [
    field("Name:", run.metadata?.name ?? ""),
    field("Namespace:", run.metadata?.namespace ?? ""),
    field("Status:", statusText(style, status.phase ?? "Pending", "AnalysisRun")),
  ];
  if (status.message) lines.push(field("Message:", status.message));
  if (run.spec?.terminate) lines.push(field("Terminate:", "requested"));
  const origin = originOf(run);
  if (origin) lines.push(field("Rollout:", origin));
  if (status.startedAt) lines.push(field("Started:", stamped(status.startedAt, now)));
  if (status.completedAt) lines.push(field("Finished:", stamped(status.completedAt, now)));
  lines.push(field("Age:", age(run.metadata?.creationTimestamp, now)));
  lines.push(field("Metrics:", summaryText(run)));
  return lines;
}

function metricsTable(run: AnalysisRun, lines: MetricLine[], style: Style): string[] {
  const rows = [
    ["METRIC", "PROVIDER", "STATUS", "COUNT", "SUCCESSFUL", "FAILED", "INCONCLUSIVE", "ERROR", "MESSAGE"],
  ];
  for (const line of lines) {
    const r = line.result;
    rows.push([
      isDryRun(run, line) ? `${line.name} (dry-run)` : line.name,
      providerOf(line.metric),
      statusText(style, line.phase, "AnalysisRun"),
      String(r?.count ?? 0),
      String(r?.successful ?? 0),
      String(r?.failed ?? 0),
      String(r?.inconclusive ?? 0),
      String(r?.error ?? 0),
      r?.message ?? "",
    ]);
  }
  return formatTable(rows);
}

function shortened(value: string, wide: boolean): string {
  const chars = [...value.replace(/\s*\n\s*/g, " ")];
  if (wide || chars.length <= VALUE_WIDTH) return chars.join("");
  return `${chars.slice(0, VALUE_WIDTH - 1).join("")}…`;
}

function measurementRow(m: Measurement, now: Date, style: Style, options: AnalysisRunGetOptions): string[] {
  const when = (time: string | undefined) => (options.wide ? (time ?? "-") : ago(time, now));
  return [
    statusText(style, m.phase, "AnalysisRun"),
    m.value === undefined ? "-" : shortened(m.value, options.wide),
    when(m.startedAt),
    m.finishedAt ? when(m.finishedAt) : "-",
    m.message ?? "",
  ];
}

/** "Measurements of error-rate (the last 10 of 25):" and a table, oldest first. */
function measurementsBlock(
  line: MetricLine,
  now: Date,
  style: Style,
  options: AnalysisRunGetOptions,
): string[] {
  const kept = line.result?.measurements ?? [];
  if (kept.length === 0) return [`Measurements of ${line.name}: none yet`];
  const running = kept.filter((m) => m.phase === "Running" || m.phase === "Pending").length;
  const taken = (line.result?.count ?? 0) + (line.result?.error ?? 0) + running;
  const trimmed = taken > kept.length ? ` (the last ${kept.length} of ${taken})` : "";
  const rows = [
    ["STATUS", "VALUE", "STARTED", "FINISHED", "MESSAGE"],
    ...kept.map((m) => measurementRow(m, now, style, options)),
  ];
  return [`Measurements of ${line.name}${trimmed}:`, ...formatTable(rows).map((row) => `  ${row}`)];
}

export function renderAnalysisRunGet(
  run: AnalysisRun,
  now: Date,
  style: Style,
  options: AnalysisRunGetOptions = { wide: false },
): string {
  const lines = metricLines(run);
  const out = [...renderHeader(run, now, style), "", ...metricsTable(run, lines, style)];
  for (const line of lines) out.push("", ...measurementsBlock(line, now, style, options));
  return `${out.join("\n")}\n`;
}
