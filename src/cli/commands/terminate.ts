// `terminate analysisrun NAME`: asks the analysis controller to end a run now, as the peer's
// command does, by setting spec.terminate (the controller then ends the metrics still measuring
// Successful, "Metric Terminated"). A run that has already ended is refused: nothing to terminate.
import type { Command } from "commander";
import type { AnalysisRun } from "../../api/analysis.ts";
import { isConflict } from "../../kube/errors.ts";
import { AnalysisRuns } from "../../kube/resources.ts";
import { getAnalysisRun } from "../analysisrun-view.ts";
import { connect } from "../cluster.ts";
import { CliError } from "../errors.ts";
import { isCompletedPhase } from "../render/analysisrun-info.ts";
import { type CommandContext, globalsOf } from "./context.ts";

const FIELD_MANAGER = "kubectl-sluice";
/** Conflicts are expected while the controller writes a measuring run's status; a few re-reads settle it. */
const ATTEMPTS = 5;

/** Why terminating this run makes no sense, or undefined when it does. */
export function terminateRefusal(run: AnalysisRun): string | undefined {
  const name = run.metadata?.name ?? "";
  const phase = run.status?.phase;
  if (isCompletedPhase(phase))
    return `analysisrun "${name}" has already completed (${phase}): nothing to terminate`;
  if (run.spec?.terminate) return `analysisrun "${name}" is already being terminated`;
  return undefined;
}

/** Merge-patches spec.terminate with the resourceVersion read; on a conflict reads again and re-judges. */
export async function terminateRun(
  client: Parameters<typeof getAnalysisRun>[0],
  namespace: string,
  name: string,
): Promise<AnalysisRun> {
  for (let attempt = 1; ; attempt++) {
    const run = await getAnalysisRun(client, namespace, name);
    const refusal = terminateRefusal(run);
    if (refusal) throw new CliError(refusal);
    try {
      return await client.mergePatch<AnalysisRun>(
        AnalysisRuns,
        { namespace, name },
        { spec: { terminate: true } },
        FIELD_MANAGER,
        { resourceVersion: run.metadata?.resourceVersion },
      );
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

export function registerTerminate(program: Command, ctx: CommandContext): void {
  const terminate = program.command("terminate").description("end a running analysis now");
  terminate
    .command("analysisrun")
    .aliases(["analysisruns", "ar"])
    .description("end an analysis run now: metrics still measuring stop and count as Successful")
    .argument("<name>", "the analysis run")
    .addHelpText("after", "\nExamples:\n  kubectl sluice terminate analysisrun web-6d8f9c7b5-2-1")
    .action(
      ctx.action(async (name: string, _options: unknown, command: Command) => {
        const cluster = connect(globalsOf(command));
        try {
          await terminateRun(cluster.client, cluster.namespace, name);
          ctx.io.out(`analysisrun '${name}' terminated\n`);
          return 0;
        } finally {
          cluster.close();
        }
      }),
    );
}
