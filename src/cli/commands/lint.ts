// `lint -f FILE|DIR|-`: the controller's own validation on the Rollouts and analysis objects in
// files, offline. A directory gives its .yaml, .yml and .json files in name order, as kubectl
// -f DIR does (-R: and those of its subdirectories).
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { Command } from "commander";
import { lintText } from "../lint.ts";
import type { CommandContext } from "./context.ts";

// No default list: a default would count as given and defeat requiredOption.
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** The manifest files under a directory, sorted; subdirectories only when recursive. */
export async function manifestFiles(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await manifestFiles(path, true)));
    } else if (MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

/** Each -f argument as the files it stands for ("-" stays itself). */
async function expand(argument: string, recursive: boolean): Promise<string[]> {
  if (argument === "-" || !(await stat(argument)).isDirectory()) return [argument];
  const files = await manifestFiles(argument, recursive);
  if (files.length === 0) throw new Error("no .yaml, .yml or .json files in this directory");
  return files;
}

export function registerLint(program: Command, ctx: CommandContext): void {
  program
    .command("lint")
    .description(
      "check Rollouts, AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns in files with the controller's validator (offline)",
    )
    .requiredOption(
      "-f, --filename <file>",
      'a file or a directory of .yaml/.yml/.json files to check ("-" reads stdin); repeatable',
      collect,
    )
    .option("-R, --recursive", "with a directory, also check its subdirectories", false)
    .action(
      ctx.action(async (options: { filename: string[]; recursive: boolean }) => {
        let errors = 0;
        for (const argument of options.filename) {
          let files: string[];
          try {
            files = await expand(argument, options.recursive);
          } catch (error) {
            ctx.io.err(`${argument}: ${(error as Error).message}\n`);
            errors++;
            continue;
          }
          for (const file of files) errors += await lintFile(ctx, file);
        }
        return errors > 0 ? 1 : 0;
      }),
    );
}

/** Lints one file (or stdin), printing its lines; the number of errors. */
async function lintFile(ctx: CommandContext, file: string): Promise<number> {
  let text: string;
  try {
    text = file === "-" ? await ctx.io.readStdin() : await readFile(file, "utf8");
  } catch (error) {
    ctx.io.err(`${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const result = await lintText(text, file);
  for (const line of result.lines) ctx.io.out(`${line}\n`);
  return result.errors;
}
