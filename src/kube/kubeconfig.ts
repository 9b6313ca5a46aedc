// Reading a kubeconfig without @kubernetes/client-node: importing that package costs the process
// ~75 MiB of resident memory (its generated API models load with KubeConfig), more than all of
// sluice's caches at 1,000 Rollouts. The common cases are read here: client certificates, bearer
// tokens (inline or a file, re-read so rotated tokens work), basic auth, CA, insecure-skip-tls-
// verify, tls-server-name, $KUBECONFIG lists merged as kubectl merges them, and the in-cluster
// service account. A user with an exec plugin or an auth-provider is handed to client-node, loaded
// only then (see access.ts).
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

export interface KubeCluster {
  server: string;
  caData?: Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

export interface KubeUser {
  certData?: Buffer;
  keyData?: Buffer;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  /** An exec plugin or auth-provider: only client-node speaks those. */
  delegated?: "exec" | "auth-provider";
}

export interface KubeTarget {
  cluster: KubeCluster;
  user: KubeUser;
  /** The context's user entry, by name (who a request says it is). */
  userName?: string;
  namespace?: string;
}

interface Named<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}
interface RawConfig {
  "current-context"?: string;
  clusters?: Named<Record<string, unknown>>[];
  users?: Named<Record<string, unknown>>[];
  contexts?: Named<Record<string, unknown>>[];
}

/** One kubeconfig file's entries by name, paths in it made absolute (relative to the file). */
export interface KubeconfigFile {
  currentContext?: string;
  clusters: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
  contexts: Map<string, Record<string, unknown>>;
  dir: string;
}

export function readKubeconfigFile(path: string): KubeconfigFile {
  const raw = (parse(readFileSync(path, "utf8")) ?? {}) as RawConfig;
  const byName = (
    list: Named<Record<string, unknown>>[] | undefined,
    field: "cluster" | "user" | "context",
  ) => {
    const map = new Map<string, Record<string, unknown>>();
    for (const entry of list ?? []) {
      const body = entry[field];
      if (entry.name && body) map.set(entry.name, { ...body, [DIR]: dirname(path) });
    }
    return map;
  };
  return {
    ...(raw["current-context"] ? { currentContext: raw["current-context"] } : {}),
    clusters: byName(raw.clusters, "cluster"),
    users: byName(raw.users, "user"),
    contexts: byName(raw.contexts, "context"),
    dir: dirname(path),
  };
}

/** Where each entry came from: its relative paths are read from there. */
const DIR = "\0dir";

/** kubectl's rule for a $KUBECONFIG list: the first file to name an entry (or a current context) wins. */
export function mergeKubeconfigs(files: KubeconfigFile[]): KubeconfigFile {
  const merged: KubeconfigFile = { clusters: new Map(), users: new Map(), contexts: new Map(), dir: "" };
  for (const file of files) {
    if (!merged.currentContext && file.currentContext) merged.currentContext = file.currentContext;
    for (const field of ["clusters", "users", "contexts"] as const)
      for (const [name, body] of file[field]) if (!merged[field].has(name)) merged[field].set(name, body);
  }
  return merged;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Inline base64 data, or the file it names (relative to its kubeconfig). */
function bytes(entry: Record<string, unknown>, dataKey: string, fileKey: string): Buffer | undefined {
  const data = str(entry[dataKey]);
  if (data) return Buffer.from(data, "base64");
  const file = str(entry[fileKey]);
  return file ? readFileSync(resolvePath(entry, file)) : undefined;
}

const resolvePath = (entry: Record<string, unknown>, file: string) =>
  isAbsolute(file) ? file : join(String(entry[DIR] ?? ""), file);

function clusterOf(entry: Record<string, unknown>, name: string): KubeCluster {
  const server = str(entry.server);
  if (!server) throw new Error(`kubeconfig cluster "${name}" has no server`);
  const caData = bytes(entry, "certificate-authority-data", "certificate-authority");
  const tlsServerName = str(entry["tls-server-name"]);
  return {
    server,
    ...(caData ? { caData } : {}),
    ...(entry["insecure-skip-tls-verify"] === true ? { insecureSkipTLSVerify: true } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
  };
}

function userOf(entry: Record<string, unknown>): KubeUser {
  if (entry.exec) return { delegated: "exec" };
  if (entry["auth-provider"]) return { delegated: "auth-provider" };
  const certData = bytes(entry, "client-certificate-data", "client-certificate");
  const keyData = bytes(entry, "client-key-data", "client-key");
  const token = str(entry.token);
  const tokenFile = str(entry.tokenFile);
  const username = str(entry.username);
  const password = str(entry.password);
  return {
    ...(certData ? { certData } : {}),
    ...(keyData ? { keyData } : {}),
    ...(token ? { token } : {}),
    ...(tokenFile ? { tokenFile: resolvePath(entry, tokenFile) } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

/** The current context's cluster, user and namespace; undefined when there is no current context. */
export function targetOf(config: KubeconfigFile): KubeTarget | undefined {
  const contextName = config.currentContext;
  if (!contextName) return undefined;
  const context = config.contexts.get(contextName);
  if (!context) throw new Error(`kubeconfig current-context "${contextName}" is not defined`);
  const clusterName = str(context.cluster) ?? "";
  const cluster = config.clusters.get(clusterName);
  if (!cluster)
    throw new Error(`kubeconfig context "${contextName}" names cluster "${clusterName}", not defined`);
  const userName = str(context.user);
  const user = userName ? config.users.get(userName) : undefined;
  if (userName && !user)
    throw new Error(`kubeconfig context "${contextName}" names user "${userName}", not defined`);
  const namespace = str(context.namespace);
  return {
    cluster: clusterOf(cluster, clusterName),
    user: user ? userOf(user) : {},
    ...(userName ? { userName } : {}),
    ...(namespace ? { namespace } : {}),
  };
}
