// `list rollouts [-A] [-o ...]`: a table like the peer's, or the objects as a List; `list
// analysisruns` the same for analysis runs.
import type { Command } from "commander";
import type { Rollout } from "../../api/rollout.ts";
import { isNotFound } from "../../kube/errors.ts";
import { AnalysisRuns, Rollouts } from "../../kube/resources.ts";
import { listAnalysisRuns } from "../analysisrun-view.ts";
import { connect } from "../cluster.ts";
import { CliError } from "../errors.ts";
import { type OutputFormat, outputOption, printList, qualifiedName, rolloutName } from "../output.ts";
import { renderAnalysisRunList } from "../render/analysisrun-list.ts";
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
  registerListAnalysisRuns(list, ctx);
}

function registerListAnalysisRuns(list: Command, ctx: CommandContext): void {
  list
    .command("analysisruns")
    .aliases(["analysisrun", "ars", "ar"])
    .description("list analysis runs: phase, the rollout that made them, how many metrics passed, age")
    .option("-A, --all-namespaces", "list analysis runs in every namespace")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExamples:\n  kubectl sluice list analysisruns\n  kubectl sluice list ars -A -o wide",
    )
    .action(
      ctx.action(async (options: ListRolloutsOptions, command: Command) => {
        const cluster = connect(globalsOf(command));
        try {
          const namespace = options.allNamespaces ? undefined : cluster.namespace;
          const runs = await listAnalysisRuns(cluster.client, namespace);
          const { io } = ctx;
          if (options.output === "json" || options.output === "yaml") printList(io, runs, options.output);
          else if (options.output === "name")
            io.out(runs.map((r) => `${qualifiedName(AnalysisRuns, r)}\n`).join(""));
          else if (runs.length === 0) {
            io.err(namespace ? `No resources found in ${namespace} namespace.\n` : "No resources found\n");
          } else {
            io.out(
              renderAnalysisRunList(runs, io.now(), {
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
