// `lint -f FILE|DIR|-`: the controller's own validator on the Rollouts in files, offline.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { lintText } from "../lint.ts";
import type { CommandContext } from "./context.ts";

// No default list: a default would count as given and defeat requiredOption.
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerLint(program: Command, ctx: CommandContext): void {
  program
    .command("lint")
    .description("check Rollouts in files with the controller's validator (offline)")
    .requiredOption("-f, --filename <file>", 'a file to check ("-" reads stdin); repeatable', collect)
    .action(
      ctx.action(async (options: { filename: string[] }) => {
        let errors = 0;
        for (const file of options.filename) {
          let text: string;
          try {
            text = file === "-" ? await ctx.io.readStdin() : await readFile(file, "utf8");
          } catch (error) {
            ctx.io.err(`${file}: ${(error as Error).message}\n`);
            errors++;
            continue;
          }
          const result = lintText(text, file);
          for (const line of result.lines) ctx.io.out(`${line}\n`);
          errors += result.errors;
        }
        return errors > 0 ? 1 : 0;
      }),
    );
}
