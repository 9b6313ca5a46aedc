// From kubectl's global flags to a client: --kubeconfig (else $KUBECONFIG, else ~/.kube/config),
// --context, the namespace (-n, else the context's, else "default") and a deadline on every request.
import { parseDuration } from "../api/duration.ts";
import { KubeClient } from "../kube/client.ts";
import { type ClusterTarget, loadClusterTarget } from "../kube/config.ts";
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

/** The kubeconfig as kubectl reads it, with kubectl's messages for a missing file or context. */
function loadConfig(globals: GlobalOptions): ClusterTarget {
  try {
    return loadClusterTarget({
      ...(globals.kubeconfig ? { path: globals.kubeconfig } : {}),
      ...(globals.context ? { context: globals.context } : {}),
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/^no Kubernetes cluster configured/.test(message))
      throw new CliError("no cluster configured: pass --kubeconfig or --context, or set KUBECONFIG");
    throw new CliError(message);
  }
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
  const target = loadConfig(globals);
  const transport = new KubeTransport(target.access, {
    userAgent: `kubectl-sluice/${cliVersion()}`,
    // 0 means no deadline in kubectl; here it means "a day", so nothing hangs for ever.
    requestTimeoutMs: timeoutMs === 0 ? 86_400_000 : timeoutMs,
  });
  return {
    client: new KubeClient(transport),
    namespace: globals.namespace ?? target.namespace ?? "default",
    user: target.user,
    close: () => transport.close(),
  };
}
