// Executes a router's write: a server-side apply of an object sluice owns, or a merge patch of a
// user's object that holds only at the resourceVersion it was computed from (409 otherwise, and the
// reconcile is retried with the newer object).
import type { KubeClient } from "../kube/client.ts";
import { ROUTED_TYPES, type RoutingWrite } from "./router.ts";

export async function executeRoutingWrite(client: KubeClient, write: RoutingWrite, fieldManager: string) {
  const type = ROUTED_TYPES[write.kind];
  if ("apply" in write) {
    await client.apply(type, write.apply, fieldManager, { force: true });
    return;
  }
  const ref = { namespace: write.namespace, name: write.name };
  await client.mergePatch(type, ref, write.patch, fieldManager, { resourceVersion: write.resourceVersion });
}
