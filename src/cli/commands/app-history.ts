// `app history NAME`, `app rollback NAME ID` and `app resume NAME`. History is the controller's
// status.history; a rollback is the operation `{rollback: {id}}` (the controller re-applies that
// entry's revision and source and suspends automated sync, recorded in status); `resume` sets the
// annotation that lifts the suspension.
import type { Command } from "commander";
import type { Application } from "../../api/application.ts";
import { RESUME_ANNOTATION } from "../../gitops/operation.ts";
import { getApplication, patchApplication } from "../app/access.ts";
import { withCluster } from "../app/session.ts";
import { CliError } from "../errors.ts";
import { renderAppHistory } from "../render/app-history.ts";
import { historyOf } from "../render/app-info.ts";
import { syncPatch } from "./app-sync.ts";
import type { CommandContext } from "./context.ts";

export const NO_HISTORY = "the application has no deploys in its history yet";

function recorded(app: Application) {
  const history = historyOf(app);
  if (!history || history.length === 0) throw new CliError(NO_HISTORY);
  return history;
}

/** The rollback operation for history entry `id`, or a refusal (no such entry, an operation running). */
export function rollbackPatch(app: Application, id: string, username: string): Record<string, unknown> {
  const entry = recorded(app).find((h) => String(h.id) === id);
  if (!entry) throw new CliError(`application "${app.metadata?.name}" has no history entry ${id}`);
  syncPatch(app, { prune: false, username });
  return { operation: { rollback: { id: entry.id }, initiatedBy: { username } } };
}

function registerRollback(app: Command, ctx: CommandContext): void {
  app
    .command("rollback")
    .description("re-deploy a history entry's revision; automated sync is suspended until resumed")
    .argument("<name>", "the application")
    .argument("<id>", "the history id (see app history)")
    .action(
      ctx.action(async (name: string, id: string, _options: unknown, command: Command) =>
        withCluster(command, async (cluster) => {
          const username = cluster.user ?? "kubectl-sluice";
          const ref = { namespace: cluster.namespace, name };
          const patched = await patchApplication(cluster.client, ref, (current) =>
            rollbackPatch(current, id, username),
          );
          const entry = historyOf(patched)?.find((h) => String(h.id) === id);
          ctx.io.out(
            `application "${name}": rollback to history id ${id} (${entry?.revision?.slice(0, 7) ?? "?"}) requested; automated sync stays suspended until "kubectl sluice app resume ${name}" or a sync\n`,
          );
          return 0;
        }),
      ),
    );
}

function registerResume(app: Command, ctx: CommandContext): void {
  app
    .command("resume")
    .description("lift the suspension of automated sync that a rollback left")
    .argument("<name>", "the application")
    .action(
      ctx.action(async (name: string, _options: unknown, command: Command) =>
        withCluster(command, async (cluster) => {
          const ref = { namespace: cluster.namespace, name };
          await patchApplication(cluster.client, ref, () => ({
            metadata: { annotations: { [RESUME_ANNOTATION]: "true" } },
          }));
          ctx.io.out(`application "${name}": automated sync resumed\n`);
          return 0;
        }),
      ),
    );
}

export function registerAppHistory(app: Command, ctx: CommandContext): void {
  app
    .command("history")
    .description("show an application's deploys: id, revision, when")
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
  registerRollback(app, ctx);
  registerResume(app, ctx);
}
