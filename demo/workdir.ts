// The demo's work dir (.sluice/demo): its repository, logs, its own cluster if it started one, and
// demo.json naming the demo process and the sluice it started. One demo at a time per work dir;
// a demo that was killed outright (no chance to clean up) is cleaned up after by the next one.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stopDetachedCluster } from "../test/cluster/cluster.ts";
import { isAlive, killProcessGroup } from "../test/cluster/process.ts";

interface DemoState {
  pid: number;
  sluicePid?: number;
}

function readDemoState(file: string): DemoState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as DemoState;
  } catch {
    return undefined;
  }
}

/** Whether `pid` still runs sluice's src/main.ts (a recorded pid may have been reused since). */
function isSluice(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("src/main.ts");
  } catch {
    return false;
  }
}

export interface WorkDir {
  dir: string;
  recordSluice(pid: number): Promise<void>;
  release(): Promise<void>;
}

export async function claimWorkDir(dir: string, say: (text: string) => void): Promise<WorkDir> {
  const file = join(dir, "demo.json");
  const earlier = readDemoState(file);
  if (earlier && earlier.pid !== process.pid && isAlive(earlier.pid)) {
    throw new Error(
      `another demo is running (pid ${earlier.pid}) in ${dir}: stop it first (Ctrl-C in its terminal)`,
    );
  }
  if (earlier) {
    if (earlier.sluicePid && isSluice(earlier.sluicePid)) killProcessGroup(earlier.sluicePid);
    await stopDetachedCluster(join(dir, "cluster"));
    say(`cleaned up after an earlier demo that did not stop (pid ${earlier.pid})`);
  }
  await mkdir(dir, { recursive: true });
  // The repository and logs of an earlier run go; the next run starts from nothing.
  for (const old of ["repo", "sluice.log", "repo-cache", "bin"])
    await rm(join(dir, old), { recursive: true, force: true });
  const state: DemoState = { pid: process.pid };
  await writeFile(file, JSON.stringify(state));
  return {
    dir,
    recordSluice: async (pid) => {
      state.sluicePid = pid;
      await writeFile(file, JSON.stringify(state));
    },
    release: () => rm(file, { force: true }),
  };
}
