// `get rollout NAME [-o ...] [-w]`: one Rollout in detail (header and tree), or the Rollout object
// itself with -o json|yaml (the peer has no -o; its users asked for it).
import type { Command } from "commander";
import { type Cluster, connect } from "../cluster.ts";
import { usageError } from "../errors.ts";
import { styleFor } from "../io.ts";
import { type OutputFormat, outputOption, printObject, rolloutName } from "../output.ts";
import type { RolloutView } from "../render/objects.ts";
import { renderRolloutGet } from "../render/rollout-get.ts";
import type { Style } from "../render/style.ts";
import { fetchRolloutView, listRuns } from "../rollout-view.ts";
import { ending, throttle, watchRollout } from "../watch.ts";
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
}

const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/**
 * Redraws on every change the watches report: in place on a terminal (and each second, so ages
 * move), as a new block when piped (only when the text changed). Ends on Ctrl-C, the timeout, or
 * the Rollout's deletion.
 */
async function watchGet(
  ctx: CommandContext,
  cluster: Cluster,
  first: RolloutView,
  style: Style,
  timeoutMs: number,
): Promise<number> {
  const { io } = ctx;
  let last = "";
  const draw = (view: RolloutView) => {
    const text = renderRolloutGet(view, io.now(), style);
    if (io.isTTY) io.out(CLEAR_SCREEN + text);
    else if (text !== last) io.out(last ? `\n${text}` : text);
    last = text;
  };
  draw(first);
  const end = ending<"deleted">(io.signal, timeoutMs);
  let synced = false;
  const runsInstalled = (await listRuns(cluster.client, cluster.namespace)) !== undefined;
  const ref = { namespace: cluster.namespace, name: first.rollout.metadata?.name ?? "" };
  const watch = watchRollout(
    cluster.client,
    ref,
    first.rollout.spec?.selector,
    { owned: true, runs: runsInstalled },
    () => redraw.trigger(),
  );
  const redraw = throttle(() => {
    if (!synced) return;
    const view = watch.view();
    if (view) draw(view);
    else end.settle("deleted");
  }, 200);
  void watch.synced.then(() => {
    synced = true;
    redraw.trigger();
  });
  const ticker = io.isTTY ? setInterval(() => redraw.trigger(), 1000) : undefined;
  try {
    const ended = await end.promise;
    if (ended.kind === "settled") {
      io.err(`Error: rollout "${ref.name}" was deleted\n`);
      return 1;
    }
    return 0;
  } finally {
    if (ticker) clearInterval(ticker);
    redraw.cancel();
    end.dispose();
    await watch.stop();
  }
}
