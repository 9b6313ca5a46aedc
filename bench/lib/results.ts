// Where a bench's raw figures go: .sluice/bench/<name>-<time>.json, with the date, the commit and
// the machine in front of what the bench measured. The commit is read when the bench starts (this
// module is imported then), not when it ends: a run of half an hour must not be credited to a
// commit made meanwhile; "-dirty" says the working tree had changes.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

function commitNow(): string {
  try {
    const args = ["describe", "--always", "--dirty", "--abbrev=7"];
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    // Not a git checkout: the figures still count.
    return "";
  }
}

const startedAt = new Date().toISOString();
const commitAtStart = commitNow();

/** Writes the figures and returns the file's path. */
export async function writeBenchJson(name: string, figures: Record<string, unknown>): Promise<string> {
  const dir = join(root, ".sluice", "bench");
  await mkdir(dir, { recursive: true });
  const date = new Date().toISOString();
  const file = join(dir, `${name}-${date.replaceAll(":", "-")}.json`);
  const machine = {
    cpus: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  await writeFile(
    file,
    `${JSON.stringify({ date, startedAt, commit: commitAtStart, machine, ...figures }, null, 2)}\n`,
  );
  return file;
}
