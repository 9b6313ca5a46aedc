// `app history NAME` and `app rollback NAME ID`. Application history lands with issue 14: until
// the controller records `status.history`, both say so (exit 1); when it is there, history shows
// it, and rollback says what it would deploy but does not pretend to roll back.
import type { Command } from "commander";
import type { Application } from "../../api/application.ts";
import { getApplication } from "../app/access.ts";
import { withCluster } from "../app/session.ts";
import { CliError } from "../errors.ts";
import { renderAppHistory } from "../render/app-history.ts";
import { historyOf } from "../render/app-info.ts";
import type { CommandContext } from "./context.ts";

export const NO_HISTORY = "Application history is not recorded yet (issue 14)";

function recorded(app: Application) {
  const history = historyOf(app);
  if (!history || history.length === 0) throw new CliError(NO_HISTORY);
  return history;
}

export function registerAppHistory(app: Command, ctx: CommandContext): void {
  app
    .command("history")
    .description("show an application's deploys: id, revision, when (once recorded: issue 14)")
    .argument("<name>", "the application")
    .action(
      ctx.action(async (name: string, _options: unknown, command: Command) =>
        withCluster(command, async (cluster) => {
          const history = recorded(await getApplication(cluster.client, cluster.namespace, name));
          ctx.io.out(renderAppHistory(history, ctx.io.now()));
          return 0;
        }),
      ),
    );
  app
    .command("rollback")
    .description("deploy an earlier revision from the history (lands with issue 14)")
    .argument("<name>", "the application")
    .argument("<id>", "the history id (see app history)")
    .action(
      ctx.action(async (name: string, id: string, _options: unknown, command: Command) =>
        withCluster(command, async (cluster) => {
          const history = recorded(await getApplication(cluster.client, cluster.namespace, name));
          const entry = history.find((h) => String(h.id) === id);
          if (!entry) throw new CliError(`application "${name}" has no history entry ${id}`);
          throw new CliError(
            `rollback is not implemented yet (issue 14); to deploy ${entry.revision ?? "that revision"} now: kubectl sluice app sync ${name} --revision ${entry.revision ?? "<revision>"} (automated sync would move it forward again)`,
          );
        }),
      ),
    );
}
