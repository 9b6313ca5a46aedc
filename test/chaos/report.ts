// Plain-text tables for a chaos run's output: the outage windows as they happened, and one line per
// invariant with how many objects it covered and which broke it.
import type { Check } from "./invariants.ts";
import type { Window } from "./windows.ts";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function windowsTable(windows: readonly Window[], openedAt: number): string {
  const s = (ms: number) => `${((ms - openedAt) / 1000).toFixed(1)}s`;
  return table(
    ["component", "down at", "back at", "down for"],
    windows.map((w) => [
      w.component,
      s(w.startMs),
      s(w.endMs),
      `${((w.endMs - w.startMs) / 1000).toFixed(1)}s`,
    ]),
  );
}

/** Up to `shown` failures per invariant are listed under the table. */
export function checksTable(checks: readonly Check[], shown = 5): string {
  const rows = checks.map((c) => [
    c.failures.length === 0 ? "ok" : "FAIL",
    c.invariant,
    String(c.checked),
    String(c.failures.length),
  ]);
  const details = checks.flatMap((c) =>
    c.failures
      .slice(0, shown)
      .map((f) => `  ${c.invariant}: ${f}`)
      .concat(c.failures.length > shown ? [`  ... and ${c.failures.length - shown} more`] : []),
  );
  return [table(["", "invariant", "objects", "failed"], rows), ...details].join("\n");
}
