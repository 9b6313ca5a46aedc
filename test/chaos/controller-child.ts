// The controller under chaos: sluice's Rollout, AnalysisRun and Application controllers wired as
// src/main.ts wires them (src/controllers.ts), in a process of its own so the driver can kill -9 it and start another. Logs go to
// stderr (the driver sends them to a file); stdout carries one JSON line per report:
//   {"up":true}                          once started (a standby of --leader-elect=true stays so)
//   {"ready":true,"metricsPort":N,"heapUsed":N}  once the informers have synced (with leader
//                                        election: once leading, as the kernel starts only then)
//   {"heapUsed":N}                       on SIGUSR2, measured right after a full GC
// Needs node's --expose-gc, so heap figures are after collection, not whatever is pending.
//   controller-child.ts <sluice flags...>
import pino from "pino";
import { runSluice } from "../../src/app.ts";
import { controllersFor } from "../../src/controllers.ts";
import { parseOptions } from "../../src/options.ts";
import { createLogger } from "../../src/telemetry/logger.ts";

const gc = globalThis.gc;
if (!gc) throw new Error("controller-child needs node --expose-gc");
const options = parseOptions(process.argv.slice(2));
const sluice = await runSluice(
  options,
  controllersFor(options),
  createLogger(options.logLevel, { destination: pino.destination(2) }),
);
const report = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
process.on("SIGUSR2", () => {
  gc();
  report({ heapUsed: process.memoryUsage().heapUsed });
});
process.once("SIGTERM", () => void sluice.stop());
// Exits when sluice ends, ready or not: a standby stopped (or a leader that lost the lease before
// it synced) never leaves the loop below.
const exited = sluice.done.then((code) => process.exit(code));
report({ up: true });
while (sluice.kernel.notReadyReason() !== undefined) await new Promise((r) => setTimeout(r, 50));
// The baseline heap is the synced one: a standby's empty caches would make any leader look leaky.
gc();
report({ ready: true, metricsPort: sluice.metricsPort, heapUsed: process.memoryUsage().heapUsed });
await exited;
