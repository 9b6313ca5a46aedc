// `get rollout NAME [-o ...] [-w]`: one Rollout in detail (header and tree), or the Rollout object
// itself with -o json|yaml (the peer has no -o; its users asked for it). `get analysisrun NAME`:
// one run's verdict, metrics and measurements.
import type { Command } from "commander";
import type { AnalysisRun } from "../../api/analysis.ts";
import { AnalysisRuns } from "../../kube/resources.ts";
import { getAnalysisRun, watchAnalysisRun } from "../analysisrun-view.ts";
import { type Cluster, connect } from "../cluster.ts";
import { usageError } from "../errors.ts";
import { styleFor } from "../io.ts";
import { type OutputFormat, outputOption, printObject, qualifiedName, rolloutName } from "../output.ts";
import { redrawWhileWatching } from "../redraw.ts";
import { renderAnalysisRunGet } from "../render/analysisrun-get.ts";
import type { RolloutView } from "../render/objects.ts";
import { renderRolloutGet } from "../render/rollout-get.ts";
import type { Style } from "../render/style.ts";
import { fetchRolloutView, listRuns } from "../rollout-view.ts";
import { watchRollout } from "../watch.ts";
import { type CommandContext, globalsOf, timeoutMs } from "./context.ts";

interface GetRolloutOptions {
  output: OutputFormat;
  watch?: boolean;
  timeout: string;
}

const EXAMPLES = `
Examples:
  kubectl sluice get rollout guestbook           # state, steps, weights, images and the tree
  kubectl sluice get rollout guestbook -w        # keep it on screen as it changes
  kubectl sluice get rollout guestbook -o yaml   # the Rollout object itself`;

export function registerGet(program: Command, ctx: CommandContext): void {
  const get = program.command("get").description("show one object in detail");
  get
    .command("rollout")
    .aliases(["rollouts", "ro"])
    .description(
      "show a rollout: status, step, weights, images, and its revisions, ReplicaSets, pods and analysis",
    )
    .argument("<name>", "the rollout")
    .addOption(outputOption())
    .option("-w, --watch", "keep showing the rollout as it changes (redrawn in place on a terminal)")
    .option("--timeout <duration>", "with --watch: stop after this long (0: never)", "0")
    .addHelpText("after", EXAMPLES)
    .action(
      ctx.action(async (name: string, options: GetRolloutOptions, command: Command) => {
        if (options.watch && !["table", "wide"].includes(options.output)) {
          throw usageError("--watch works with -o table or wide");
        }
        const watchFor = timeoutMs(options.timeout);
        const globals = globalsOf(command);
        const cluster = connect(globals);
        try {
          const view = await fetchRolloutView(cluster.client, cluster.namespace, name);
          if (options.output === "json" || options.output === "yaml")
            printObject(ctx.io, view.rollout, options.output);
          else if (options.output === "name") ctx.io.out(`${rolloutName(view.rollout)}\n`);
          else if (!options.watch)
            ctx.io.out(renderRolloutGet(view, ctx.io.now(), styleFor(ctx.io, globals.color)));
          else return await watchGet(ctx, cluster, view, styleFor(ctx.io, globals.color), watchFor);
          return 0;
        } finally {
          cluster.close();
        }
      }),
    );
  registerGetAnalysisRun(get, ctx);
}

interface GetAnalysisRunOptions {
  output: OutputFormat;
  watch?: boolean;
  timeout: string;
}

const RUN_EXAMPLES = `
Examples:
  kubectl sluice get analysisrun web-6d8f9c7b5-2-1      # verdict, metrics and their measurements
  kubectl sluice get ar web-6d8f9c7b5-2-1 -w            # keep it on screen while it measures
  kubectl sluice get ar web-6d8f9c7b5-2-1 -o wide       # full values and timestamps
  kubectl sluice get ar web-6d8f9c7b5-2-1 -o json       # the AnalysisRun object itself`;

function registerGetAnalysisRun(get: Command, ctx: CommandContext): void {
  get
    .command("analysisrun")
    .aliases(["analysisruns", "ar"])
    .description("show an analysis run: verdict, message, each metric's counters and its measurements")
    .argument("<name>", "the analysis run")
    .addOption(outputOption())
    .option("-w, --watch", "keep showing the run as it changes (redrawn in place on a terminal)")
    .option("--timeout <duration>", "with --watch: stop after this long (0: never)", "0")
    .addHelpText("after", RUN_EXAMPLES)
    .action(
      ctx.action(async (name: string, options: GetAnalysisRunOptions, command: Command) => {
        if (options.watch && !["table", "wide"].includes(options.output)) {
          throw usageError("--watch works with -o table or wide");
        }
        const watchFor = timeoutMs(options.timeout);
        const globals = globalsOf(command);
        const cluster = connect(globals);
        try {
          const run = await getAnalysisRun(cluster.client, cluster.namespace, name);
          const style = styleFor(ctx.io, globals.color);
          const wide = options.output === "wide";
          const render = (r: AnalysisRun) => renderAnalysisRunGet(r, ctx.io.now(), style, { wide });
          if (options.output === "json" || options.output === "yaml")
            printObject(ctx.io, run, options.output);
          else if (options.output === "name") ctx.io.out(`${qualifiedName(AnalysisRuns, run)}\n`);
          else if (!options.watch) ctx.io.out(render(run));
          else
            return await redrawWhileWatching(ctx.io, {
              first: run,
              render,
              watch: (onChange) =>
                watchAnalysisRun(cluster.client, { namespace: cluster.namespace, name }, onChange),
              timeoutMs: watchFor,
              what: `analysisrun "${name}"`,
            });
          return 0;
        } finally {
          cluster.close();
        }
      }),
    );
}

/** Redraws the rollout and its tree on every change of the Rollout, its ReplicaSets, pods and runs. */
async function watchGet(
  ctx: CommandContext,
  cluster: Cluster,
  first: RolloutView,
  style: Style,
  timeoutMs: number,
): Promise<number> {
  const runsInstalled = (await listRuns(cluster.client, cluster.namespace)) !== undefined;
  const ref = { namespace: cluster.namespace, name: first.rollout.metadata?.name ?? "" };
  return redrawWhileWatching(ctx.io, {
    first,
    render: (view) => renderRolloutGet(view, ctx.io.now(), style),
    watch: (onChange) => {
      const watch = watchRollout(
        cluster.client,
        ref,
        first.rollout.spec?.selector,
        { owned: true, runs: runsInstalled },
        onChange,
      );
      return { synced: watch.synced, current: () => watch.view(), stop: () => watch.stop() };
    },
    timeoutMs,
    what: `rollout "${ref.name}"`,
  });
}
