// `undo NAME [--to-revision N]`: the pod template of an earlier revision back into the Rollout,
// which the controller rolls out (at once when it is the stable version). Warns when Git owns it.
import type { Command } from "commander";
import { gitWarning } from "../actions/git-warning.ts";
import { decideUndo } from "../actions/undo.ts";
import { usageError } from "../errors.ts";
import type { CommandContext } from "./context.ts";
import { runMutation } from "./mutate.ts";

function revision(value: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`--to-revision: "${value}" is not a revision number`);
  return Number(value);
}

export function registerUndo(program: Command, ctx: CommandContext): void {
  program
    .command("undo")
    .description("roll the pod template back to the previous revision, or to --to-revision")
    .argument("<name>", "the rollout")
    .option("--to-revision <n>", "the revision to go back to (default: the previous one)", "0")
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice undo guestbook\n  kubectl sluice undo guestbook --to-revision 3",
    )
    .action(
      ctx.action((name: string, options: { toRevision: string }, command: Command) => {
        const to = revision(options.toRevision);
        return runMutation(
          ctx,
          command,
          [name],
          async (rollout, store) => decideUndo(rollout, await store.replicaSets(rollout), to),
          { warn: (rollout) => gitWarning(rollout, "undo") },
        );
      }),
    );
}
