// `app diff NAME`: how live differs from Git, as the controller judges it (kubectl diff's exit
// codes: 0 no difference, 1 differences, 2 the comparison could not be made).
import type { Command } from "commander";
import { getApplication } from "../app/access.ts";
import { diffApplication, EXIT_DIFF_ERROR } from "../app/diff.ts";
import { withCluster } from "../app/session.ts";
import { CliError, errorMessage } from "../errors.ts";
import { renderAppDiff } from "../render/app-diff.ts";
import { shortRevision } from "../render/app-info.ts";
import type { CommandContext } from "./context.ts";

export function registerAppDiff(app: Command, ctx: CommandContext): void {
  app
    .command("diff")
    .description("show how live objects differ from Git (exit 0: no difference, 1: differences, 2: error)")
    .argument("<name>", "the application")
    .addHelpText(
      "after",
      `
Reads the application's repository itself (git on PATH; kustomize and helm for those sources) and
asks the API server what applying Git would leave (a server-side-apply dry run, nothing written).

Examples:
  kubectl sluice app diff guestbook`,
    )
    .action(
      ctx.action(async (name: string, _options: unknown, command: Command) => {
        const { io } = ctx;
        try {
          return await withCluster(command, async (cluster) => {
            const application = await getApplication(cluster.client, cluster.namespace, name);
            const result = await diffApplication(cluster.client, application);
            const revision = shortRevision(result.sha);
            io.out(renderAppDiff(result.diffs, revision));
            for (const refusal of result.refused) io.err(`Error: refused: ${refusal}\n`);
            if (result.refused.length > 0 || result.diffs.some((d) => d.error)) return EXIT_DIFF_ERROR;
            return result.diffs.length > 0 ? 1 : 0;
          });
        } catch (error) {
          // 1 means "differences" here: every failure is 2, as kubectl diff has it.
          if (error instanceof CliError && error.exitCode !== 1) throw error;
          throw new CliError(errorMessage(error), EXIT_DIFF_ERROR);
        }
      }),
    );
}
