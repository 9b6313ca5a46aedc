// `status NAME [--no-watch] [-t D]`: the phase and message, waiting (watch-driven, like the peer by
// default) until Healthy (exit 0) or Degraded (exit 1), or the timeout (exit 1). A CI gate.
import type { Command } from "commander";
import type { Rollout } from "../../api/rollout.ts";
import { connect } from "../cluster.ts";
import type { CliIO } from "../io.ts";
import { phaseOf } from "../render/rollout-info.ts";
import { getRollout } from "../rollout-view.ts";
import { ending, watchRollout } from "../watch.ts";
import { type CommandContext, describeTimeout, globalsOf, timeoutMs } from "./context.ts";

interface StatusOptions {
  watch: boolean;
  timeout: string;
}

const EXAMPLES = `
Examples:
  kubectl sluice status guestbook --timeout 10m   # CI gate: exit 0 once Healthy, 1 if Degraded or timed out
  kubectl sluice status guestbook --no-watch      # print the status once`;

const statusLine = (rollout: Rollout) => {
  const { phase, message } = phaseOf(rollout);
  return message ? `${phase} - ${message}` : phase;
};

/** Prints the status when it changed since `last`; says whether the wait is over and how. */
function report(io: CliIO, rollout: Rollout, last: { line: string }): number | undefined {
  const line = statusLine(rollout);
  if (line !== last.line) io.out(`${line}\n`);
  last.line = line;
  const { phase } = phaseOf(rollout);
  if (phase === "Healthy") return 0;
  if (phase === "Degraded") {
    io.err(`Error: rollout "${rollout.metadata?.name}" is Degraded\n`);
    return 1;
  }
  return undefined;
}

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command("status")
    .description("show a rollout's status; wait until it is Healthy (exit 0) or Degraded (exit 1)")
    .argument("<name>", "the rollout")
    .option("-w, --watch", "wait for a final status (the default)", true)
    .option("--no-watch", "print the status once and exit (1 only when Degraded)")
    .option("-t, --timeout <duration>", "stop waiting after this long, exit 1 (0: never)", "0")
    .addHelpText("after", EXAMPLES)
    .action(
      ctx.action(async (name: string, options: StatusOptions, command: Command) => {
        const limitMs = timeoutMs(options.timeout);
        const { io } = ctx;
        const cluster = connect(globalsOf(command));
        try {
          const last = { line: "" };
          const rollout = await getRollout(cluster.client, cluster.namespace, name);
          const verdict = report(io, rollout, last);
          if (verdict !== undefined) return verdict;
          if (!options.watch) return 0;
          const end = ending<number>(io.signal, limitMs);
          let synced = false;
          const ref = { namespace: cluster.namespace, name };
          const watch = watchRollout(cluster.client, ref, undefined, { owned: false, runs: false }, () =>
            check(),
          );
          const check = () => {
            if (!synced) return;
            const current = watch.rollout();
            if (!current) {
              io.err(`Error: rollout "${name}" was deleted\n`);
              end.settle(1);
              return;
            }
            const done = report(io, current, last);
            if (done !== undefined) end.settle(done);
          };
          void watch.synced.then(() => {
            synced = true;
            check();
          });
          try {
            const ended = await end.promise;
            if (ended.kind === "settled") return ended.value;
            if (ended.kind === "timeout") {
              io.err(
                `Error: timed out after ${describeTimeout(options.timeout)} waiting for rollout "${name}" to become Healthy (last: ${last.line})\n`,
              );
            }
            return 1;
          } finally {
            end.dispose();
            await watch.stop();
          }
        } finally {
          cluster.close();
        }
      }),
    );
}
