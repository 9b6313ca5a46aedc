// The demo's command line. Bad flags are errors that say what is wrong; --help prints the usage.
import { parseArgs } from "node:util";

export interface DemoOptions {
  /** CI pace: short pauses and a quick analysis. */
  fast: boolean;
  /** A running harness cluster to use (its state.json's directory). */
  clusterDir: string | undefined;
  namespace: string;
  /** Exit once the story is told instead of waiting for Ctrl-C. */
  exitWhenDone: boolean;
  help: boolean;
}

export const USAGE = `npm run demo -- [--fast] [--exit] [--namespace NS] [--cluster-dir DIR]

  --fast             the same story in CI time (2 s pauses, 1 s analysis interval)
  --exit             exit when the story is done (default: keep everything running until Ctrl-C)
  --namespace NS     the namespace the demo owns and makes afresh (default sluice-demo)
  --cluster-dir DIR  use the running harness cluster in DIR (npm run cluster:up makes one in
                     .sluice/cluster) instead of starting one in .sluice/demo/cluster; no other
                     sluice may run on it (npm run dev's watches every namespace)`;

export class DemoOptionsError extends Error {}

// A DNS-1123 label, as the API server wants a namespace name.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseDemoOptions(argv: string[]): DemoOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        fast: { type: "boolean" },
        exit: { type: "boolean" },
        namespace: { type: "string" },
        "cluster-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new DemoOptionsError((error as Error).message);
  }
  const namespace = (values.namespace as string | undefined) ?? "sluice-demo";
  if (!NAMESPACE.test(namespace)) {
    throw new DemoOptionsError(
      `--namespace: "${namespace}" is not a valid namespace name (lower-case letters, digits, '-')`,
    );
  }
  const clusterDir = values["cluster-dir"] as string | undefined;
  if (clusterDir === "") throw new DemoOptionsError("--cluster-dir: needs a directory");
  return {
    fast: values.fast === true,
    clusterDir,
    namespace,
    exitWhenDone: values.exit === true,
    help: values.help === true,
  };
}
