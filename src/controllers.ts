// The resource controllers a sluice process runs, configured from its flags: src/main.ts runs them,
// and so does the chaos suite's controller process (test/chaos/controller-child.ts), so both run
// the same wiring.
import { analysisRunControllerWith } from "./analysis/controller.ts";
import type { ControllerSetup } from "./controller/kernel.ts";
import { applicationControllerWith } from "./gitops/controller.ts";
import type { SluiceOptions } from "./options.ts";
import { rolloutController } from "./rollout/controller.ts";

// Resource controllers register here as they land.
export const controllersFor = (options: SluiceOptions): ControllerSetup[] => [
  rolloutController,
  analysisRunControllerWith({ addressAllow: options.metricAddressAllow }),
  applicationControllerWith({
    namespace: options.applicationNamespace,
    destinationNamespaces: options.destinationNamespaces,
    pollMs: options.repoPollMs,
    fetchTimeoutMs: options.repoTimeoutMs,
    ...(options.repoCacheDir ? { repoCacheDir: options.repoCacheDir } : {}),
    kustomizePath: options.kustomizePath,
    helmPath: options.helmPath,
  }),
];
