// Loads how to reach the API server: an explicit kubeconfig file, $KUBECONFIG / ~/.kube/config,
// or the in-cluster service account — kubectl's and client-node's order. Read by kubeconfig.ts
// without @kubernetes/client-node (~75 MiB resident once imported); a user with an exec plugin or
// an auth-provider is the one case handed to client-node, imported then and only then.
import { existsSync, readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { isIPv6 } from "node:net";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { type KubeTarget, mergeKubeconfigs, readKubeconfigFile, targetOf } from "./kubeconfig.ts";

/** What the transport needs of a kubeconfig (client-node's KubeConfig has the same shape). */
export interface ClusterAccess {
  getCurrentCluster(): { server: string } | null;
  /** Sets TLS material and auth (headers, basic auth) on request options. */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** Where a pod's service account is mounted (a parameter so tests can point elsewhere). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function loadKubeConfig(
  kubeconfigPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): ClusterAccess {
  return loadClusterTarget({ ...(kubeconfigPath ? { path: kubeconfigPath } : {}), env, serviceAccountDir })
    .access;
}

export interface ClusterTargetOptions {
  /** An explicit kubeconfig (--kubeconfig); else $KUBECONFIG, ~/.kube/config, in-cluster. */
  path?: string;
  /** A context other than the current one (--context). */
  context?: string;
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
}

/** How to reach the cluster, with the context's namespace and user name (for the CLI). */
export interface ClusterTarget {
  access: ClusterAccess;
  namespace: string | undefined;
  user: string | undefined;
}

export function loadClusterTarget(options: ClusterTargetOptions): ClusterTarget {
  const env = options.env ?? process.env;
  const files = kubeconfigFiles(options.path, env);
  if (files.length > 0) {
    const merged = mergeKubeconfigs(files.map(readKubeconfigFile));
    if (options.context) {
      if (!merged.contexts.has(options.context))
        throw new Error(`context "${options.context}" does not exist in the kubeconfig`);
      merged.currentContext = options.context;
    }
    const target = targetOf(merged);
    if (!target) throw new Error("no Kubernetes cluster configured (kubeconfig has no current-context)");
    const access = new KubeconfigAccess(target, files, options.context);
    return { access, namespace: target.namespace, user: target.userName };
  }
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (options.context) throw new Error(`context "${options.context}" does not exist in the kubeconfig`);
  if (!existsSync(join(serviceAccountDir, "token")))
    throw new Error("no Kubernetes cluster configured (kubeconfig or in-cluster)");
  const target = inCluster(env, serviceAccountDir);
  return { access: new KubeconfigAccess(target, []), namespace: target.namespace, user: undefined };
}

/** The kubeconfig files to read, in order; none means in-cluster. */
function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`kubeconfig ${explicit} does not exist`);
    return [explicit];
  }
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter(Boolean);
  if (listed.length > 0) return listed.filter((f) => existsSync(f));
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  return existsSync(home) ? [home] : [];
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): KubeTarget {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new Error("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  const scheme = ["80", "8080", "8001"].includes(port) ? "http" : "https";
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const ca = join(dir, "ca.crt");
  const namespaceFile = join(dir, "namespace");
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
  return {
    cluster: { server, ...(existsSync(ca) ? { caData: readFileSync(ca) } : {}) },
    user: { tokenFile: join(dir, "token") },
    ...(namespace ? { namespace } : {}),
  };
}

class KubeconfigAccess implements ClusterAccess {
  private delegate: Promise<ClusterAccess> | undefined;

  constructor(
    private readonly target: KubeTarget,
    /** The files it came from, for client-node when the user is delegated. */
    private readonly files: string[],
    private readonly context?: string,
  ) {}

  getCurrentCluster(): { server: string } {
    return { server: this.target.cluster.server };
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const { cluster, user } = this.target;
    if (user.delegated) return (await this.clientNode()).applyToHTTPSOptions(opts);
    if (cluster.caData) opts.ca = cluster.caData;
    if (cluster.insecureSkipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    if (user.certData) opts.cert = user.certData;
    if (user.keyData) opts.key = user.keyData;
    // A token file is read on every call: projected service account tokens rotate.
    const token = user.tokenFile ? readFileSync(user.tokenFile, "utf8").trim() : user.token;
    if (token) opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    else if (user.username && user.password) opts.auth = `${user.username}:${user.password}`;
  }

  /** client-node's KubeConfig over the same files, for exec plugins and auth-providers. */
  private clientNode(): Promise<ClusterAccess> {
    this.delegate ??= import("@kubernetes/client-node").then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromFile(this.files[0] ?? "");
      for (const file of this.files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more);
      }
      if (this.context) kc.setCurrentContext(this.context);
      return kc;
    });
    return this.delegate;
  }
}
