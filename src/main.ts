// Process entry of the sluice controller: flags/env → wiring → serve until SIGTERM.

import { analysisRunControllerWith } from "./analysis/controller.ts";
import { runSluice } from "./app.ts";
import type { ControllerSetup } from "./controller/kernel.ts";
import { applicationControllerWith } from "./gitops/controller.ts";
import { OptionsError, parseOptions, type SluiceOptions, usage } from "./options.ts";
import { rolloutController } from "./rollout/controller.ts";

// Resource controllers register here as they land.
const controllersFor = (options: SluiceOptions): ControllerSetup[] => [
  rolloutController,
  analysisRunControllerWith({ addressAllow: options.metricAddressAllow }),
  applicationControllerWith({
    namespace: options.applicationNamespace,
    destinationNamespaces: options.destinationNamespaces,
    pollMs: options.repoPollMs,
    ...(options.repoCacheDir ? { repoCacheDir: options.repoCacheDir } : {}),
    kustomizePath: options.kustomizePath,
    helmPath: options.helmPath,
  }),
];

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
