// The demo's Git repository: a plain local repository (file://) the story commits to with the real
// git CLI, as a developer would push to a team's deploy repository. Started afresh each run.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { git } from "../src/gitops/source/git.ts";

export interface SampleRepo {
  url: string;
  dir: string;
  /** Writes `files` (path → text), commits them, and returns the new commit's SHA. */
  commit(files: Record<string, string>, message: string): Promise<string>;
}

/** A new repository at `dir` (anything there before is removed) on branch main. */
export async function createRepo(dir: string): Promise<SampleRepo> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Identity for this repository only: the user's git config is not read (src/gitops/source/git.ts).
  const run = (...args: string[]) =>
    git(["-c", "user.name=sluice demo", "-c", "user.email=demo@sluice.invalid", ...args], {
      cwd: dir,
      timeoutMs: 20_000,
    });
  await run("init", "--quiet", "--initial-branch=main");
  const commit = async (files: Record<string, string>, message: string) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await run("add", "--all");
    await run("commit", "--quiet", "--allow-empty", "-m", message);
    return (await run("rev-parse", "HEAD")).trim();
  };
  return { url: `file://${dir}`, dir, commit };
}
