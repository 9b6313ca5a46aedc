// Exit codes and errors of the CLI: 0 ok, 1 the thing asked about is bad or not found (or the
// cluster could not answer), 2 the command line itself is wrong.
import { KubeError } from "../kube/errors.ts";

export const EXIT_OK = 0;
export const EXIT_BAD = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, EXIT_USAGE);

/** What the user reads after "Error: ". */
export function errorMessage(error: unknown): string {
  if (error instanceof KubeError && error.reason === "Network") {
    return `cannot reach the API server: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : EXIT_BAD;
}
