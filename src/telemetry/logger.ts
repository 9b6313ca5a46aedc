// pino JSON logs. Reconciles log through a child carrying controller, namespace, name and
// reconcileID (src/controller/runner.ts), so one reconcile's lines can be picked out.
import pino, { type Logger } from "pino";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export function createLogger(level: LogLevel = "info", destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
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
  return destination ? pino(options, destination) : pino(options);
}
