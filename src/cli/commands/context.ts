// What every command gets: the IO, the global flags, and a wrapper that records its exit code.
import type { Command } from "commander";
import { parseDuration } from "../../api/duration.ts";
import type { GlobalOptions } from "../cluster.ts";
import { usageError } from "../errors.ts";
import type { CliIO } from "../io.ts";

export interface CommandContext {
  io: CliIO;
  /** Wraps an action so the number it returns becomes the exit code. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

/** The global flags (-n, --context, --kubeconfig, ...) as seen from a (sub)command. */
export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** A --timeout value: "30s", "5m", "1h30m" or seconds; 0 waits for ever. A bad one is a usage error. */
export function timeoutMs(value: string, flag = "--timeout"): number {
  try {
    return parseDuration(value, flag);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export const describeTimeout = (value: string) => (/^\d+(\.\d+)?$/.test(value.trim()) ? `${value}s` : value);
