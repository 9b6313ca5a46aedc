// From kubectl's global flags to a client: --kubeconfig (else $KUBECONFIG, else ~/.kube/config),
// --context, the namespace (-n, else the context's, else "default") and a deadline on every request.
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { parseDuration } from "../api/duration.ts";
import { KubeClient } from "../kube/client.ts";
import { KubeTransport } from "../kube/transport.ts";
import { CliError, usageError } from "./errors.ts";
import { cliVersion } from "./version.ts";

export interface GlobalOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  requestTimeout: string;
  color: boolean;
}

export interface Cluster {
  client: KubeClient;
  /** The namespace commands act in. */
  namespace: string;
  /** The kubeconfig user of the current context (who a request says it is, e.g. app sync). */
  user: string | undefined;
  close(): void;
}

/**
 * Not src/kube's loadKubeConfig: that one insists on a current cluster before --context can pick
 * another one, and a CLI wants kubectl's messages for a missing file or context.
 */
function loadConfig(globals: GlobalOptions): KubeConfig {
  const kc = new KubeConfig();
  if (globals.kubeconfig) {
    if (!existsSync(globals.kubeconfig))
      throw new CliError(`kubeconfig ${globals.kubeconfig} does not exist`);
    kc.loadFromFile(globals.kubeconfig);
  } else {
    // Reads $KUBECONFIG (a colon-separated list, merged), else ~/.kube/config, else in-cluster.
    kc.loadFromDefault();
  }
  if (globals.context) {
    if (!kc.getContextObject(globals.context)) {
      throw new CliError(`context "${globals.context}" does not exist in the kubeconfig`);
    }
    kc.setCurrentContext(globals.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new CliError("no cluster configured: pass --kubeconfig or --context, or set KUBECONFIG");
  }
  return kc;
}

export function requestTimeoutMs(value: string): number {
  try {
    return parseDuration(value, "--request-timeout");
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

export function connect(globals: GlobalOptions): Cluster {
  const timeoutMs = requestTimeoutMs(globals.requestTimeout);
  const kc = loadConfig(globals);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const transport = new KubeTransport(kc, {
    userAgent: `kubectl-sluice/${cliVersion()}`,
    // 0 means no deadline in kubectl; here it means "a day", so nothing hangs for ever.
    requestTimeoutMs: timeoutMs === 0 ? 86_400_000 : timeoutMs,
  });
  return {
    client: new KubeClient(transport),
    namespace: globals.namespace ?? contextNamespace ?? "default",
    user: kc.getCurrentUser()?.name,
    close: () => transport.close(),
  };
}
