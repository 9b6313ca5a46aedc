// The command tree of `kubectl sluice` (commander), run against an injected IO so tests call it
// in-process. Exit codes: 0 ok, 1 the thing asked about is bad or not found, 2 usage errors.
import { Command, CommanderError } from "commander";
import { registerApp } from "./commands/app.ts";
import { registerGet } from "./commands/get.ts";
import { registerAbort, registerPause, registerRestart, registerRetry } from "./commands/lifecycle.ts";
import { registerLint } from "./commands/lint.ts";
import { registerList } from "./commands/list.ts";
import { registerPromote } from "./commands/promote.ts";
import { registerSet } from "./commands/set.ts";
import { registerStatus } from "./commands/status.ts";
import { registerTerminate } from "./commands/terminate.ts";
import { registerUndo } from "./commands/undo.ts";
import { registerVersion } from "./commands/version.ts";
import { EXIT_OK, EXIT_USAGE, errorMessage, exitCodeOf } from "./errors.ts";
import type { CliIO } from "./io.ts";
import { cliVersion } from "./version.ts";

function buildProgram(io: CliIO, exit: { code: number }): Command {
  const program = new Command("kubectl sluice")
    .description("steer sluice Rollouts from kubectl")
    .version(cliVersion(), "--version", "print the plugin's version")
    .option("-n, --namespace <namespace>", "the namespace (default: the kubeconfig context's, else default)")
    .option("--context <name>", "the kubeconfig context to use")
    .option("--kubeconfig <file>", "the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .option("--request-timeout <duration>", "deadline of each API request", "30s")
    .option("--no-color", "no colour even on a terminal (NO_COLOR in the environment does the same)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(add --help for usage)");
  const ctx = {
    io,
    action:
      <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
      async (...args: A) => {
        exit.code = await fn(...args);
      },
  };
  registerGet(program, ctx);
  registerList(program, ctx);
  registerStatus(program, ctx);
  registerTerminate(program, ctx);
  registerPromote(program, ctx);
  registerAbort(program, ctx);
  registerRetry(program, ctx);
  registerPause(program, ctx);
  registerRestart(program, ctx);
  registerSet(program, ctx);
  registerUndo(program, ctx);
  registerLint(program, ctx);
  registerVersion(program, ctx);
  registerApp(program, ctx);
  return program;
}

/** commander ends parsing by throwing: help and --version asked for are success, the rest misuse. */
function commanderExit(error: CommanderError): number {
  return error.code === "commander.helpDisplayed" || error.code === "commander.version"
    ? EXIT_OK
    : EXIT_USAGE;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const exit = { code: EXIT_OK };
  try {
    await buildProgram(io, exit).parseAsync(argv, { from: "user" });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    io.err(`Error: ${errorMessage(error)}\n`);
    return exitCodeOf(error);
  }
}
