// `kubectl sluice app ...`: the Git side, with `argocd app`'s verbs on sluice's Application kind.
// This file holds the group and its read commands (list, get); the others live in app-*.ts.
import type { Command } from "commander";
import type { Application } from "../../api/application.ts";
import { Applications } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { getApplication, listApplications } from "../app/access.ts";
import { withCluster } from "../app/session.ts";
import { commitSubject } from "../app/subject.ts";
import { type CliIO, styleFor } from "../io.ts";
import { type OutputFormat, outputOption, printList, printObject, qualifiedName } from "../output.ts";
import { renderAppGet } from "../render/app-get.ts";
import { renderAppList } from "../render/app-list.ts";
import { registerAppDiff } from "./app-diff.ts";
import { registerAppHistory } from "./app-history.ts";
import { registerAppSync } from "./app-sync.ts";
import { registerAppWait } from "./app-wait.ts";
import { type CommandContext, globalsOf } from "./context.ts";

const appName = (object: KubeObject) => qualifiedName(Applications, object);

function printApps(
  io: CliIO,
  apps: Application[],
  namespace: string | undefined,
  options: { output: OutputFormat; allNamespaces?: boolean },
): void {
  if (options.output === "json" || options.output === "yaml") printList(io, apps, options.output);
  else if (options.output === "name") io.out(apps.map((a) => `${appName(a)}\n`).join(""));
  else if (apps.length === 0)
    io.err(namespace ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
  else
    io.out(
      renderAppList(apps, io.now(), {
        allNamespaces: options.allNamespaces === true,
        wide: options.output === "wide",
      }),
    );
}

function registerList(app: Command, ctx: CommandContext): void {
  app
    .command("list")
    .alias("ls")
    .description("list applications: sync, health, revision, source and destination")
    .option("-A, --all-namespaces", "list applications in every namespace")
    .addOption(outputOption())
    .addHelpText("after", "\nExamples:\n  kubectl sluice app list -A\n  kubectl sluice app list -o wide")
    .action(
      ctx.action(async (options: { output: OutputFormat; allNamespaces?: boolean }, command: Command) =>
        withCluster(command, async (cluster) => {
          const namespace = options.allNamespaces ? undefined : cluster.namespace;
          printApps(ctx.io, await listApplications(cluster.client, namespace), namespace, options);
          return 0;
        }),
      ),
    );
}

function registerGet(app: Command, ctx: CommandContext): void {
  app
    .command("get")
    .description("show an application: sync and health, revision, conditions, last operation and its objects")
    .argument("<name>", "the application")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice app get guestbook\n  kubectl sluice app get guestbook -o yaml",
    )
    .action(
      ctx.action(async (name: string, options: { output: OutputFormat }, command: Command) =>
        withCluster(command, async (cluster) => {
          const application = await getApplication(cluster.client, cluster.namespace, name);
          const { io } = ctx;
          if (options.output === "json" || options.output === "yaml")
            printObject(io, application, options.output);
          else if (options.output === "name") io.out(`${appName(application)}\n`);
          else {
            const subject = await commitSubject(
              application.spec?.source?.repoURL,
              application.status?.sync?.revision,
            );
            const style = styleFor(io, globalsOf(command).color);
            io.out(renderAppGet(application, io.now(), style, { subject }));
          }
          return 0;
        }),
      ),
    );
}

export function registerApp(program: Command, ctx: CommandContext): void {
  const app = program
    .command("app")
    .description("steer Applications (the Git side): list, get, wait, sync, refresh, diff, history");
  registerList(app, ctx);
  registerGet(app, ctx);
  registerAppWait(app, ctx);
  registerAppSync(app, ctx);
  registerAppDiff(app, ctx);
  registerAppHistory(app, ctx);
}
