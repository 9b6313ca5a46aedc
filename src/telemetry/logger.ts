// pino logs: JSON for machines (the default in a pod), or pino-pretty lines for a person at a
// terminal. Reconciles log through a child carrying controller, namespace, name and reconcileID
// (src/controller/runner.ts), so one reconcile's lines can be picked out.
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFormat = "json" | "pretty";
/** What --log-format accepts: `auto` is pretty on a terminal, JSON otherwise. */
export type LogFormatChoice = LogFormat | "auto";

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go (default: stdout). */
  destination?: pino.DestinationStream;
}

export function resolveLogFormat(
  choice: LogFormatChoice,
  isTty: () => boolean = () => process.stdout.isTTY === true,
): LogFormat {
  if (choice !== "auto") return choice;
  return isTty() ? "pretty" : "json";
}

export function createLogger(level: LogLevel = "info", options: LoggerOptions = {}): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Defence in depth: these never belong in a log line, whatever a caller passes.
    redact: {
      paths: ["password", "token", "*.password", "*.token", "headers.authorization"],
      censor: "[redacted]",
    },
  };
  if (options.format === "pretty") {
    // Synchronous writes to a terminal: nothing is buffered, so no line is lost at process.exit.
    return pino(pinoOptions, prettyStream(options.destination ?? pino.destination({ dest: 1, sync: true })));
  }
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/**
 * Formats each JSON line pino has already serialised (and redacted) in the calling thread, so the
 * pretty form costs no worker thread (as pino.transport would) and carries the same redaction.
 */
function prettyStream(destination: pino.DestinationStream): pino.DestinationStream {
  // Loaded only here: a controller in a pod logs JSON and need not carry the formatter in memory.
  const { prettyFactory } = createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
  const prettify = prettyFactory({
    // One line per entry keeps a reconcile's fields next to its message; pid is always the same.
    singleLine: true,
    ignore: "pid",
    translateTime: "SYS:HH:MM:ss.l",
  });
  return { write: (line: string) => destination.write(prettify(line)) };
}
