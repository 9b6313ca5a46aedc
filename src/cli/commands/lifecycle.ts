// `abort`, `retry rollout`, `pause` and `restart`: each writes one field of the Rollout (DESIGN.md
// §8), with the peer's command lines and messages.
import type { Command } from "commander";
import { decideAbort, decidePause, decideRestart, decideRetry } from "../actions/lifecycle.ts";
import { type CommandContext, describeTimeout, timeoutMs } from "./context.ts";
import { runMutation } from "./mutate.ts";

export function registerAbort(program: Command, ctx: CommandContext): void {
  program
    .command("abort")
    .description(
      "abort a rollout's update: traffic and replicas go back to the stable version; spec.template keeps the new one",
    )
    .argument("<names...>", "the rollouts")
    .addHelpText("after", "\nExamples:\n  kubectl sluice abort guestbook")
    .action(
      ctx.action((names: string[], _options: unknown, command: Command) =>
        runMutation(ctx, command, names, decideAbort),
      ),
    );
}

export function registerRetry(program: Command, ctx: CommandContext): void {
  const retry = program.command("retry").description("retry an aborted rollout");
  retry
    .command("rollout")
    .aliases(["ro", "rollouts"])
    .description("retry an aborted rollout: its update starts again from the first step")
    .argument("<names...>", "the rollouts")
    .addHelpText("after", "\nExamples:\n  kubectl sluice retry rollout guestbook")
    .action(
      ctx.action((names: string[], _options: unknown, command: Command) =>
        runMutation(ctx, command, names, decideRetry),
      ),
    );
}

export function registerPause(program: Command, ctx: CommandContext): void {
  program
    .command("pause")
    .description("pause a rollout (spec.paused); `promote` resumes it")
    .argument("<names...>", "the rollouts")
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice pause guestbook\n  kubectl sluice promote guestbook   # resume",
    )
    .action(
      ctx.action((names: string[], _options: unknown, command: Command) =>
        runMutation(ctx, command, names, decidePause),
      ),
    );
}

export function registerRestart(program: Command, ctx: CommandContext): void {
  program
    .command("restart")
    .description("restart the pods of a rollout (spec.restartAt), now or after --in")
    .argument("<name>", "the rollout")
    .option("-i, --in <duration>", "restart after this long (e.g. 30s, 5m, 1h)")
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice restart guestbook\n  kubectl sluice restart guestbook --in 10s",
    )
    .action(
      ctx.action((name: string, options: { in?: string }, command: Command) => {
        const delayMs = options.in === undefined ? 0 : timeoutMs(options.in, "--in");
        const at = new Date(ctx.io.now().getTime() + delayMs);
        const said = options.in === undefined ? "0s" : describeTimeout(options.in);
        return runMutation(ctx, command, [name], (rollout) => decideRestart(rollout, at, said));
      }),
    );
}
