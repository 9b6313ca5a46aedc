// `version`: the CLI's version (the controller's is not reported yet: it publishes none to read).
import { type Command, Option } from "commander";
import { printObject } from "../output.ts";
import { cliVersion } from "../version.ts";
import type { CommandContext } from "./context.ts";

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command("version")
    .description("print the plugin's version")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["table", "json", "yaml"])
        .default("table"),
    )
    .action(
      ctx.action(async (options: { output: "table" | "json" | "yaml" }) => {
        const version = cliVersion();
        if (options.output === "table") ctx.io.out(`kubectl-sluice: v${version}\n`);
        else {
          const object = { clientVersion: { version, nodeVersion: process.version } };
          printObject(ctx.io, object as never, options.output);
        }
        return 0;
      }),
    );
}
