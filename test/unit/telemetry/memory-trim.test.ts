// The memory trim: when it collects (pure), and that its collection gives a burst's memory back to
// the OS where V8's ordinary collection does not (a real child process, real RSS).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { DEFAULT_TRIM_POLICY, shouldTrim } from "../../../src/telemetry/memory-trim.ts";

const MiB = 1048576;
const root = join(import.meta.dirname, "..", "..", "..");

test("collects once memory grew by the policy's step since the last collection, and only when quiet", () => {
  const policy = { growthBytes: 32 * MiB, maxUtilization: 0.5 };
  const base = 100 * MiB;
  const cases: [rss: number, utilization: number, expected: boolean][] = [
    [base, 0, false],
    [base + 31 * MiB, 0, false],
    [base + 32 * MiB, 0, true],
    [base + 300 * MiB, 0.1, true],
    [base + 300 * MiB, 0.5, true],
    [base + 300 * MiB, 0.51, false],
    [base + 300 * MiB, 1, false],
    [base - 50 * MiB, 0, false],
  ];
  for (const [rssBytes, utilization, expected] of cases)
    assert.equal(
      shouldTrim({ rssBytes, utilization }, base, policy),
      expected,
      `${rssBytes / MiB} MiB at ${utilization}`,
    );
  assert.deepEqual(DEFAULT_TRIM_POLICY, { growthBytes: 32 * MiB, maxUtilization: 0.5 });
});

async function burst(flags: string[]) {
  const node = join(root, "test", "tools", "node.sh");
  const { stdout } = await promisify(execFile)(
    "bash",
    [node, ...flags, "--import", "tsx", join(root, "test", "fixtures", "memory-burst.ts")],
    { cwd: root, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    rssBeforeMiB: number;
    rssAfterMiB: number;
    trims: number;
    lines: string[];
  };
}

test("after a burst, the trim gives back what V8's ordinary collection kept", async () => {
  const r = await burst(["--max-semi-space-size=8", "--expose-gc"]);
  assert.equal(r.trims, 1, r.lines.join("\n"));
  assert.ok(r.rssBeforeMiB - r.rssAfterMiB >= 100, `RSS ${r.rssBeforeMiB} → ${r.rssAfterMiB} MiB`);
});

test("without --expose-gc the trim is off, says so, and changes nothing", async () => {
  const r = await burst(["--max-semi-space-size=8"]);
  assert.equal(r.trims, 0);
  assert.ok(
    r.lines.some((l) => l.includes("memory trim off")),
    r.lines.join("\n"),
  );
});
