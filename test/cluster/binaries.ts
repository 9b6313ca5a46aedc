// Where the Go-built control-plane binaries live. build.sh fills the cache; this module only reads it.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const clusterDir = dirname(fileURLToPath(import.meta.url));

export interface ComponentVersions {
  kube: string;
  etcd: string;
  kwok: string;
  helm: string;
  kustomize: string;
}

export const versionsFile = join(clusterDir, "versions.env");

/** Reads KEY=value lines of versions.env; the getter throws, naming the file, for a missing key. */
export function readVersionsFile(file = versionsFile): (key: string) => string {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (match?.[1] && match[2]) values.set(match[1], match[2]);
  }
  return (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`${file}: ${key} is not set`);
    return value;
  };
}

export function readVersions(file = versionsFile): ComponentVersions {
  const get = readVersionsFile(file);
  return {
    kube: get("KUBE_VERSION"),
    etcd: get("ETCD_VERSION"),
    kwok: get("KWOK_VERSION"),
    helm: get("HELM_VERSION"),
    kustomize: get("KUSTOMIZE_VERSION"),
  };
}

export interface BinaryPaths {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  helm: string;
  kustomize: string;
}

export function cacheRoot(): string {
  return process.env.SLUICE_CACHE ?? join(homedir(), ".cache", "sluice");
}

export function binaryPaths(versions = readVersions()): BinaryPaths {
  const bin = (component: string, version: string, name: string) =>
    join(cacheRoot(), "bin", `${component}-${version}`, name);
  return {
    etcd: bin("etcd", versions.etcd, "etcd"),
    kubeApiserver: bin("kube", versions.kube, "kube-apiserver"),
    kubeControllerManager: bin("kube", versions.kube, "kube-controller-manager"),
    kubeScheduler: bin("kube", versions.kube, "kube-scheduler"),
    kwok: bin("kwok", versions.kwok, "kwok"),
    helm: bin("helm", versions.helm, "helm"),
    kustomize: bin("kustomize", versions.kustomize, "kustomize"),
  };
}

export function missingBinaries(paths = binaryPaths()): string[] {
  return Object.values(paths).filter((path) => !existsSync(path));
}
