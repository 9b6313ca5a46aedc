// Child process of bench/apps.ts: runs only the Application controller (as src/main.ts wires it,
// leader election off, one namespace), so the RSS and CPU the parent reads from /proc are the
// controller's own (protocol: lib/child-report.ts). The webhook receiver runs too, on a port of its
// own choosing (reported with the metrics port), for the push phase (apps-webhook.ts).
//   apps-child.ts <kubeconfig> <namespace> <repo-cache-dir> [<poll ms>] [<workers>]
import { runSluice } from "../src/app.ts";
import { applicationControllerWith } from "../src/gitops/controller.ts";
import { parseOptions } from "../src/options.ts";
import { createLogger } from "../src/telemetry/logger.ts";
import { reportToParent } from "./lib/child-report.ts";

const [kubeconfig, namespace, repoCacheDir, pollMs, workers] = process.argv.slice(2);

const options = {
  ...parseOptions([], {}),
  kubeconfig,
  // The kernel watches every namespace (the apps' objects go to another one); Applications are
  // honoured in `namespace` only.
  namespace: undefined,
  leaderElect: false,
  ...(workers ? { workers: Number(workers) } : {}),
  metricsAddr: "127.0.0.1:0",
  webhookAddr: "127.0.0.1:0",
  // The receiver reads its Secret and lists Applications here.
  ...(namespace ? { applicationNamespace: namespace } : {}),
};
const sluice = await runSluice(
  options,
  [
    applicationControllerWith({
      ...(namespace ? { namespace } : {}),
      ...(repoCacheDir ? { repoCacheDir } : {}),
      ...(pollMs ? { pollMs: Number(pollMs) } : {}),
    }),
  ],
  createLogger("warn"),
);
await reportToParent(sluice);
