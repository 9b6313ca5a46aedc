// npm run dev: installs crds/ on the local cluster before sluice starts, so a first run does not
// log a retry loop of 404s until someone finds the apply command.
//
//   apply-crds.ts [--kubeconfig FILE]     (default: $KUBECONFIG, ~/.kube/config)
import { parseArgs } from "node:util";
import { installDevCrds } from "./crds.ts";

try {
  const { values } = parseArgs({ options: { kubeconfig: { type: "string" } }, strict: true });
  for (const crd of await installDevCrds(values.kubeconfig)) {
    console.log(`crd ${crd.name} established (${crd.apiVersion} ${crd.kind})`);
  }
} catch (error) {
  console.error(`apply-crds: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
