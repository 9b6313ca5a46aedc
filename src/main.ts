// Process entry of the sluice controller: flags/env → wiring → serve until SIGTERM.

import { runSluice } from "./app.ts";
import { controllersFor } from "./controllers.ts";
import { OptionsError, parseOptions, usage } from "./options.ts";

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`sluice: ${error.message}\n\nflags:\n${usage()}`);
    return 2;
  }
  if (options.help) {
    console.log(`sluice controller\n\nflags:\n${usage()}`);
    return 0;
  }
  const sluice = await runSluice(options, controllersFor(options));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      sluice.logger.info({ signal }, "shutting down");
      void sluice.stop();
    });
  }
  return sluice.done;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`sluice: ${error.message}`);
    process.exit(1);
  },
);
