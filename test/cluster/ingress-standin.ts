// STAND-IN, like kwok: there is no ingress data plane in the test cluster, so nothing would ever
// write an address into an Ingress's status. This small process plays the nginx ingress
// controller's status updater only: every Ingress of class nginx gets
// status.loadBalancer.ingress = [{ ip: 127.0.0.1 }]. It routes no traffic.
//
// Run by the harness as its own process: node --import tsx ingress-standin.ts <kubeconfig>
import {
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Ingress,
  Watch,
} from "@kubernetes/client-node";

const STANDIN_ADDRESS = "127.0.0.1";
const kubeconfigPath = process.argv[2];
if (!kubeconfigPath) {
  console.error("usage: ingress-standin.ts <kubeconfig>");
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const api = kc.makeApiClient(NetworkingV1Api);

function isNginx(ingress: V1Ingress): boolean {
  const legacyClass = ingress.metadata?.annotations?.["kubernetes.io/ingress.class"];
  return ingress.spec?.ingressClassName === "nginx" || legacyClass === "nginx";
}

function hasStandInAddress(ingress: V1Ingress): boolean {
  const entries = ingress.status?.loadBalancer?.ingress ?? [];
  return entries.length === 1 && entries[0]?.ip === STANDIN_ADDRESS;
}

async function settle(ingress: V1Ingress): Promise<void> {
  const name = ingress.metadata?.name;
  const namespace = ingress.metadata?.namespace;
  if (!name || !namespace || !isNginx(ingress) || hasStandInAddress(ingress)) return;
  if (ingress.metadata?.deletionTimestamp) return;
  try {
    await api.patchNamespacedIngressStatus(
      { name, namespace, body: { status: { loadBalancer: { ingress: [{ ip: STANDIN_ADDRESS }] } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    console.log(`ingress-standin: ${namespace}/${name} -> ${STANDIN_ADDRESS}`);
  } catch (error) {
    // Deleted meanwhile, or a conflict: the next event or relist settles it.
    console.log(`ingress-standin: ${namespace}/${name}: ${(error as Error).message.split("\n")[0]}`);
  }
}

async function listAndWatch(): Promise<void> {
  const list = await api.listIngressForAllNamespaces();
  for (const ingress of list.items) await settle(ingress);
  const watch = new Watch(kc);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    watch
      .watch(
        "/apis/networking.k8s.io/v1/ingresses",
        { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
        (phase, obj: V1Ingress) => {
          if (phase === "ADDED" || phase === "MODIFIED") void settle(obj);
        },
        finish,
      )
      .then((req) => {
        // client-node watches have no idle timeout: relist every few minutes so a silently dead
        // connection cannot leave an Ingress without its address for long.
        setTimeout(() => req.abort(), 120_000).unref();
      }, finish);
  });
}

for (;;) {
  try {
    await listAndWatch();
  } catch (error) {
    console.log(`ingress-standin: ${(error as Error).message.split("\n")[0]}; retrying`);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
