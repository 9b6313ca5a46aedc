// `app sync NAME [--revision R] [--prune] [--wait]` and `app refresh NAME [--hard]`: requests the
// controller acts on, written as Argo CD writes them (DESIGN.md §8) — the top-level `operation`
// field, the refresh annotation — by merge patch with the resourceVersion read, as kubectl-sluice.
import type { Command } from "commander";
import type { Application } from "../../api/application.ts";
import { patchApplication } from "../app/access.ts";
import { withCluster } from "../app/session.ts";
import { CliError } from "../errors.ts";
import { waitAndReport } from "./app-wait.ts";
import { type CommandContext, timeoutMs } from "./context.ts";

export const REFRESH_ANNOTATION = "argocd.argoproj.io/refresh";

interface SyncOptions {
  revision?: string;
  prune?: boolean;
  wait?: boolean;
  timeout: string;
}

/** The refusal when an operation is already asked for or running, else the patch. */
export function syncPatch(
  app: Application,
  request: { revision?: string | undefined; prune: boolean; username: string },
): Record<string, unknown> {
  const name = app.metadata?.name ?? "";
  if (app.operation || app.status?.operationState?.phase === "Running") {
    const by = app.operation?.initiatedBy?.username;
    throw new CliError(
      `another operation is in progress on application "${name}"${typeof by === "string" ? ` (requested by ${by})` : ""}: wait for it with "kubectl sluice app wait ${name}"`,
    );
  }
  const sync = { ...(request.revision ? { revision: request.revision } : {}), prune: request.prune };
  return { operation: { sync, initiatedBy: { username: request.username } } };
}

function registerSync(app: Command, ctx: CommandContext): void {
  app
    .command("sync")
    .description("ask the controller to sync an application now (as argocd app sync)")
    .argument("<name>", "the application")
    .option("--revision <revision>", "sync this branch, tag or commit instead of the target revision")
    .option("--prune", "also delete the objects Git no longer holds")
    .option("--wait", "then wait until the application is Synced and Healthy")
    .option("--timeout <duration>", "with --wait: stop waiting after this long, exit 1 (0: never)", "0")
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice app sync guestbook --prune --wait --timeout 5m\n  kubectl sluice app sync guestbook --revision 1a2b3c4",
    )
    .action(
      ctx.action(async (name: string, options: SyncOptions, command: Command) => {
        timeoutMs(options.timeout);
        return withCluster(command, async (cluster) => {
          const { io } = ctx;
          const username = cluster.user ?? "kubectl-sluice";
          const prune = options.prune === true;
          const ref = { namespace: cluster.namespace, name };
          const patched = await patchApplication(cluster.client, ref, (current) =>
            syncPatch(current, { revision: options.revision, prune, username }),
          );
          const target =
            options.revision ?? `${patched.spec?.source?.targetRevision || "HEAD"} (the target revision)`;
          io.out(
            `application "${name}": sync to ${target} requested${prune ? " with prune" : ""}, initiated by ${username}\n`,
          );
          if (!options.wait) return 0;
          const want = { sync: true, health: true };
          return waitAndReport(io, { client: cluster.client, ...ref }, want, options.timeout);
        });
      }),
    );
}

function registerRefresh(app: Command, ctx: CommandContext): void {
  app
    .command("refresh")
    .description("make the controller read Git now instead of at its next poll")
    .argument("<name>", "the application")
    .option("--hard", "ask for a hard refresh (Argo CD's word; sluice reads Git again either way)")
    .action(
      ctx.action(async (name: string, options: { hard?: boolean }, command: Command) =>
        withCluster(command, async (cluster) => {
          const level = options.hard ? "hard" : "normal";
          await patchApplication(cluster.client, { namespace: cluster.namespace, name }, () => ({
            metadata: { annotations: { [REFRESH_ANNOTATION]: level } },
          }));
          ctx.io.out(`application "${name}": ${level} refresh requested\n`);
          return 0;
        }),
      ),
    );
}

export function registerAppSync(app: Command, ctx: CommandContext): void {
  registerSync(app, ctx);
  registerRefresh(app, ctx);
}
