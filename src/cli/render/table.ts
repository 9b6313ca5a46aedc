// kubectl-style tables: left-aligned columns padded with spaces, two spaces apart, no borders.
// Widths are measured without ANSI codes and by code point, so colour and icons keep columns aligned.
import { stripVTControlCharacters } from "node:util";

export function displayWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

/** Rows (the first usually the header) as aligned lines; the last column is never padded. */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - displayWidth(cell)),
      )
      .join("  ")
      .trimEnd(),
  );
}
