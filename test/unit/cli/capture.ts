// Runs `kubectl sluice` in-process with captured stdout/stderr, as a test's user would run it.
import { runCli } from "../../../src/cli/program.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export interface CaptureOptions {
  isTTY?: boolean;
  env?: Record<string, string | undefined>;
  /** Ends a watching command, as Ctrl-C does. */
  signal?: AbortSignal;
  stdin?: string;
  /** Sees stdout as it is written (for watches). */
  onOut?: (all: string) => void;
}

export async function runCaptured(argv: string[], options: CaptureOptions = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    out: (text) => {
      out += text;
      options.onOut?.(out);
    },
    err: (text) => {
      err += text;
    },
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    readStdin: async () => options.stdin ?? "",
    now: () => new Date(),
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, out, err };
}
