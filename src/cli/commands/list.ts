// `list rollouts [-A] [-o ...]`: a table like the peer's, or the objects as a List.
import type { Command } from "commander";
import type { Rollout } from "../../api/rollout.ts";
import { isNotFound } from "../../kube/errors.ts";
import { Rollouts } from "../../kube/resources.ts";
import { connect } from "../cluster.ts";
import { CliError } from "../errors.ts";
import { type OutputFormat, outputOption, printList, rolloutName } from "../output.ts";
import { renderRolloutList } from "../render/rollout-list.ts";
import { type CommandContext, globalsOf } from "./context.ts";

interface ListRolloutsOptions {
  output: OutputFormat;
  allNamespaces?: boolean;
}

export function registerList(program: Command, ctx: CommandContext): void {
  const list = program.command("list").description("list objects in a table");
  list
    .command("rollouts")
    .aliases(["rollout", "ro"])
    .description("list rollouts: strategy, status, step, weight and replicas")
    .option("-A, --all-namespaces", "list rollouts in every namespace")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice list rollouts -A\n  kubectl sluice list rollouts -o name",
    )
    .action(
      ctx.action(async (options: ListRolloutsOptions, command: Command) => {
        const cluster = connect(globalsOf(command));
        try {
          const namespace = options.allNamespaces ? undefined : cluster.namespace;
          const rollouts = await cluster.client
            .list<Rollout>(Rollouts, { namespace })
            .catch((error: unknown) => {
              if (!isNotFound(error)) throw error;
              throw new CliError("the Rollout kind (rollouts.sluice.dev) is not installed in this cluster");
            });
          const { io } = ctx;
          if (options.output === "json" || options.output === "yaml")
            printList(io, rollouts.items, options.output);
          else if (options.output === "name")
            io.out(rollouts.items.map((r) => `${rolloutName(r)}\n`).join(""));
          else if (rollouts.items.length === 0) {
            io.err(namespace ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
          } else {
            io.out(
              renderRolloutList(rollouts.items, io.now(), {
                allNamespaces: options.allNamespaces === true,
                wide: options.output === "wide",
              }),
            );
          }
          return 0;
        } finally {
          cluster.close();
        }
      }),
    );
}
