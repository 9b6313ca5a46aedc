// `set image NAME CONTAINER=IMAGE...`: starts an update with new images (`*` for every container).
// On a Rollout an Application applied from Git, Git will win: a warning says so.
import type { Command } from "commander";
import { gitWarning } from "../actions/git-warning.ts";
import { decideSetImage, parseAssignment } from "../actions/set-image.ts";
import type { CommandContext } from "./context.ts";
import { runMutation } from "./mutate.ts";

const EXAMPLES = `
Examples:
  kubectl sluice set image guestbook guestbook=argoproj/rollouts-demo:yellow
  kubectl sluice set image guestbook '*=argoproj/rollouts-demo:yellow'   # every container`;

export function registerSet(program: Command, ctx: CommandContext): void {
  const set = program.command("set").description("change a rollout's pod template");
  set
    .command("image")
    .description("set the image of containers, init containers and ephemeral containers by name")
    .argument("<name>", "the rollout")
    .argument("<container=image...>", "a container name (or *) and its new image")
    .addHelpText("after", EXAMPLES)
    .action(
      ctx.action((name: string, pairs: string[], _options: unknown, command: Command) => {
        const assignments = pairs.map(parseAssignment);
        return runMutation(ctx, command, [name], (rollout) => decideSetImage(rollout, assignments), {
          warn: (rollout) => gitWarning(rollout, "set image"),
        });
      }),
    );
}
