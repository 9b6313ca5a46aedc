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

test("collects when resident memory holds far more than the live heap and buffers, grew since the last collection, and the process is quiet", () => {
  const policy = { wasteBytes: 160 * MiB, growthBytes: 32 * MiB, maxUtilization: 0.5 };
  const last = 100 * MiB;
  const cases: [rss: number, heapUsed: number, external: number, utilization: number, expected: boolean][] = [
    // 10,000 Rollouts half routed after the settle: 450 or 334 MiB resident, 135 or 132 MiB live.
    [450 * MiB, 135 * MiB, 9 * MiB, 0, true],
    [334 * MiB, 132 * MiB, 7 * MiB, 0, true],
    [334 * MiB, 132 * MiB, 7 * MiB, 0.5, true],
    [334 * MiB, 132 * MiB, 7 * MiB, 0.51, false],
    [334 * MiB, 132 * MiB, 7 * MiB, 1, false],
    // ...and after the trim: 232 MiB resident, 132 MiB live — nothing more to give back.
    [232 * MiB, 132 * MiB, 7 * MiB, 0, false],
    // A 100-Rollout soak at its plateau: 148 MiB resident, 34 MiB live, 9 MiB of buffers.
    [148 * MiB, 34 * MiB, 9 * MiB, 0, false],
    // Buffers are not waste.
    [400 * MiB, 100 * MiB, 150 * MiB, 0, false],
    // Exactly at the line, and just under it.
    [300 * MiB, 130 * MiB, 10 * MiB, 0, true],
    [300 * MiB - 1, 130 * MiB, 10 * MiB, 0, false],
  ];
  for (const [rssBytes, heapUsedBytes, externalBytes, utilization, expected] of cases)
    assert.equal(
      shouldTrim({ rssBytes, heapUsedBytes, externalBytes, utilization }, last, policy),
      expected,
      `${rssBytes / MiB} MiB resident, ${heapUsedBytes / MiB} MiB live, ${externalBytes / MiB} MiB external, ${utilization} busy`,
    );
  // Waste, but not grown since the last collection (it could not give more back): not again
  // until resident memory grows by the step.
  const quietWaste = (rssBytes: number) => ({
    rssBytes,
    heapUsedBytes: 10 * MiB,
    externalBytes: 0,
    utilization: 0,
  });
  assert.equal(shouldTrim(quietWaste(431 * MiB), 400 * MiB, policy), false);
  assert.equal(shouldTrim(quietWaste(432 * MiB), 400 * MiB, policy), true);
  assert.deepEqual(DEFAULT_TRIM_POLICY, policy);
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
    exposed: string[];
    lines: string[];
  };
}

test("after a burst, the trim gives back what V8's ordinary collection kept", async () => {
  const r = await burst(["--max-semi-space-size=8", "--expose-gc"]);
  assert.equal(r.trims, 1, r.lines.join("\n"));
  assert.ok(r.rssBeforeMiB - r.rssAfterMiB >= 100, `RSS ${r.rssBeforeMiB} → ${r.rssAfterMiB} MiB`);
  // The metrics tell an operator it happened, what it gave back and what it cost.
  const sample = (name: string) => Number(r.exposed.find((l) => l.startsWith(`${name} `))?.split(" ")[1]);
  assert.equal(sample("sluice_memory_trims_total"), 1, r.exposed.join("\n"));
  assert.ok(sample("sluice_memory_trimmed_bytes_total") >= 100 * 1048576, r.exposed.join("\n"));
  assert.ok(sample("sluice_memory_trim_pause_seconds_total") > 0, r.exposed.join("\n"));
});

test("without --expose-gc the trim is off, says so, and changes nothing", async () => {
  const r = await burst(["--max-semi-space-size=8"]);
  assert.equal(r.trims, 0);
  assert.ok(r.exposed.includes("sluice_memory_trims_total 0"), r.exposed.join("\n"));
  assert.ok(
    r.lines.some((l) => l.includes("memory trim off")),
    r.lines.join("\n"),
  );
});
