// A unified diff of two texts' lines (`diff -u` hunks with three lines of context), for `app diff`.
// Longest common subsequence after trimming the common head and tail, which is all a changed field
// or two in a YAML object needs; past a size cap the middle is shown as removed then added. Pure.

type Op = { kind: " " | "-" | "+"; line: string };

/** Above this many cells the LCS table is not built (the middle becomes one replacement). */
const MAX_CELLS = 4_000_000;

/** lengths[i * (b.length + 1) + j]: the LCS length of a[i:] and b[j:]. */
function lcsTable(a: readonly string[], b: readonly string[]): Uint32Array {
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const down = lengths[(i + 1) * width + j] ?? 0;
      const right = lengths[i * width + j + 1] ?? 0;
      lengths[i * width + j] =
        a[i] === b[j] ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(down, right);
    }
  }
  return lengths;
}

function lcsOps(a: readonly string[], b: readonly string[]): Op[] {
  const removed = a.map((line) => ({ kind: "-" as const, line }));
  const added = b.map((line) => ({ kind: "+" as const, line }));
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_CELLS) return [...removed, ...added];
  const width = b.length + 1;
  const lengths = lcsTable(a, b);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i] ?? "" });
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      ops.push(removed[i++] as Op);
    } else ops.push(added[j++] as Op);
  }
  return [...ops, ...removed.slice(i), ...added.slice(j)];
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const same = (lines: readonly string[]) => lines.map((line) => ({ kind: " " as const, line }));
  return [
    ...same(a.slice(0, head)),
    ...lcsOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...same(a.slice(a.length - tail)),
  ];
}

/** Ranges [from, to) of ops that form hunks: changes closer than 2×context share one. */
function hunkRanges(ops: Op[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  ops.forEach((op, index) => {
    if (op.kind === " ") return;
    const from = Math.max(0, index - context);
    const to = Math.min(ops.length, index + context + 1);
    const last = ranges.at(-1);
    if (last && from <= last[1]) last[1] = to;
    else ranges.push([from, to]);
  });
  return ranges;
}

/** `diff -u`'s range: "start,count", start being the line before when the count is 0. */
const range = (before: number, count: number) => `${count === 0 ? before : before + 1},${count}`;

/** The hunks ("@@ -a,b +c,d @@" and its lines) turning `a` into `b`; none when they are equal. */
export function unifiedDiff(a: readonly string[], b: readonly string[], context = 3): string[] {
  const ops = editScript(a, b);
  const out: string[] = [];
  for (const [from, to] of hunkRanges(ops, context)) {
    const before = ops.slice(0, from);
    const aBefore = before.filter((op) => op.kind !== "+").length;
    const bBefore = before.filter((op) => op.kind !== "-").length;
    const hunk = ops.slice(from, to);
    const aCount = hunk.filter((op) => op.kind !== "+").length;
    const bCount = hunk.filter((op) => op.kind !== "-").length;
    out.push(`@@ -${range(aBefore, aCount)} +${range(bBefore, bCount)} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
  }
  return out;
}
