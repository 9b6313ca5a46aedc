// `promote NAME [--full]`: lets a paused rollout go on (also the resume of `pause`), or with --full
// skips every remaining step, pause and analysis. Refused on an aborted rollout (retry starts it
// again) and when there is nothing to promote.
import type { Command } from "commander";
import { decidePromote, decidePromoteFull } from "../actions/promote.ts";
import type { CommandContext } from "./context.ts";
import { runMutation } from "./mutate.ts";

const EXAMPLES = `
Examples:
  kubectl sluice promote guestbook          # go on from a pause (a step's, blue/green's, or \`pause\`)
  kubectl sluice promote guestbook --full   # skip the remaining steps, pauses and analysis`;

export function registerPromote(program: Command, ctx: CommandContext): void {
  program
    .command("promote")
    .description("promote a paused rollout to its next step, or fully with --full; resumes a paused rollout")
    .argument("<name>", "the rollout")
    .option("--full", "skip the remaining steps, pauses and analysis")
    .addHelpText("after", EXAMPLES)
    .action(
      ctx.action((name: string, options: { full?: boolean }, command: Command) =>
        runMutation(ctx, command, [name], options.full ? decidePromoteFull : decidePromote),
      ),
    );
}
