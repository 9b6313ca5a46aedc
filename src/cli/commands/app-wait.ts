// `app wait NAME [--sync] [--health] [--timeout D]`: exit 0 once the Application is Synced and/or
// Healthy (both when neither flag is given), 1 when its sync failed, it was deleted, or the timeout
// passed (saying what was last seen). Watch-driven: a change on the API server is what wakes it.
import type { Command } from "commander";
import { getApplication } from "../app/access.ts";
import { withCluster } from "../app/session.ts";
import { type WaitFor, waitForApplication, wanted } from "../app/wait.ts";
import type { CliIO } from "../io.ts";
import { type CommandContext, describeTimeout, timeoutMs } from "./context.ts";

interface WaitOptions {
  sync?: boolean;
  health?: boolean;
  timeout: string;
}

/** Waits and turns the outcome into an exit code and a message; shared with `app sync --wait`. */
export async function waitAndReport(
  io: CliIO,
  run: { client: Parameters<typeof waitForApplication>[0]; namespace: string; name: string },
  want: WaitFor,
  timeout: string,
): Promise<number> {
  const limitMs = timeoutMs(timeout);
  const { name } = run;
  const outcome = await waitForApplication(run.client, { namespace: run.namespace, name }, want, io, limitMs);
  const last = outcome.last || "nothing yet";
  switch (outcome.kind) {
    case "done":
      return 0;
    case "failed":
      io.err(`Error: application "${name}": ${outcome.message}\n`);
      return 1;
    case "deleted":
      io.err(`Error: application "${name}" was deleted\n`);
      return 1;
    case "timeout":
      io.err(
        `Error: timed out after ${describeTimeout(timeout)} waiting for application "${name}" to be ${wanted(want)} (last: ${last})\n`,
      );
      return 1;
    default:
      return 1;
  }
}

export function registerAppWait(app: Command, ctx: CommandContext): void {
  app
    .command("wait")
    .description(
      "wait until an application is Synced and Healthy (exit 0), its sync failed or time ran out (exit 1)",
    )
    .argument("<name>", "the application")
    .option("--sync", "wait until Synced")
    .option("--health", "wait until Healthy")
    .option("--timeout <duration>", "stop waiting after this long, exit 1 (0: never)", "0")
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice app wait guestbook --timeout 5m        # Synced and Healthy\n  kubectl sluice app wait guestbook --sync --timeout 1m",
    )
    .action(
      ctx.action(async (name: string, options: WaitOptions, command: Command) => {
        timeoutMs(options.timeout);
        const both = !options.sync && !options.health;
        const want = { sync: both || options.sync === true, health: both || options.health === true };
        return withCluster(command, async (cluster) => {
          // Says plainly when the kind or the Application is missing, before watching.
          await getApplication(cluster.client, cluster.namespace, name);
          return waitAndReport(
            ctx.io,
            { client: cluster.client, namespace: cluster.namespace, name },
            want,
            options.timeout,
          );
        });
      }),
    );
}
