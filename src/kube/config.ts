// Loads how to reach the API server: an explicit kubeconfig file, $KUBECONFIG / ~/.kube/config,
// or the in-cluster service account.
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    if (!existsSync(kubeconfigPath)) throw new Error(`kubeconfig ${kubeconfigPath} does not exist`);
    kc.loadFromFile(kubeconfigPath);
  } else {
    // In a pod without KUBECONFIG this reads the service account token and CA.
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error("no Kubernetes cluster configured (kubeconfig or in-cluster)");
  return kc;
}
