// Where the CLI reads and writes, passed in so tests run commands in-process and capture output.
import type { Style } from "./render/style.ts";

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal: symbols, colour and in-place redraws only then. */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
  now(): Date;
  /** Ends long-running commands (watches) early: Ctrl-C in the real process. */
  signal: AbortSignal;
}

export function processIO(): CliIO {
  const interrupted = new AbortController();
  // The first Ctrl-C ends a watch cleanly; a second one, while it winds down, exits at once. The
  // listener stays for the process's life: removing it would put SIGINT back to the default
  // action mid-shutdown, and the exit status would then say "killed by a signal".
  process.on("SIGINT", () => {
    if (interrupted.signal.aborted) process.exit(130);
    interrupted.abort();
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    now: () => new Date(),
    signal: interrupted.signal,
  };
}

/** Symbols on a terminal (not TERM=dumb); colour too unless NO_COLOR (any value) or --no-color. */
export function styleFor(io: CliIO, colorFlag: boolean): Style {
  const symbols = io.isTTY && io.env.TERM !== "dumb";
  const color = symbols && colorFlag && !io.env.NO_COLOR;
  return { symbols, color };
}
