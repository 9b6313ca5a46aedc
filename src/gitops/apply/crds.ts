// Custom resources whose CustomResourceDefinition comes in the same sync (an operator and its
// first objects in one repository): the kind is not served yet, so it is placed from the CRD in
// the render (pure), skipped by the dry run (Argo CD's SkipDryRunOnMissingResource, implied), and
// applied once the CRD — applied first — is Established and served.
import type { KubeClient } from "../../kube/client.ts";
import type { ResourceType } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";

export const CustomResourceDefinitions: ResourceType = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

interface CrdObject extends KubeObject {
  spec?: {
    group?: string;
    scope?: string;
    names?: { plural?: string; kind?: string };
    versions?: { name?: string; served?: boolean }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The kind's resource as the CRD among `objects` defines it, with the CRD's name; or undefined. */
export function definedInRender(
  objects: KubeObject[],
  gvk: { group: string; version: string; kind: string },
): { crd: string; resource: ResourceType } | undefined {
  for (const o of objects as CrdObject[]) {
    if (o.kind !== "CustomResourceDefinition" || !o.apiVersion?.startsWith("apiextensions.k8s.io/")) continue;
    const spec = o.spec;
    if (spec?.group !== gvk.group || spec.names?.kind !== gvk.kind || !spec.names.plural) continue;
    if (!spec.versions?.some((v) => v.name === gvk.version && v.served !== false)) continue;
    return {
      crd: o.metadata?.name ?? "",
      resource: { ...gvk, plural: spec.names.plural, namespaced: spec.scope === "Namespaced" },
    };
  }
  return undefined;
}

const POLL_MS = 200;

/**
 * Waits (bounded) until the CRD is Established and its kind answers a list. The API server has
 * no event for "served", so this asks a few times a second; it runs only within a sync that
 * applied the CRD.
 */
export async function untilServed(
  client: KubeClient,
  crd: string,
  resource: ResourceType,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const live = await client.get<CrdObject>(CustomResourceDefinitions, { name: crd });
    const established = live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    if (established) {
      // A selector that matches nothing keeps the probe cheap however many objects exist.
      const served = await client
        .list(resource, { labelSelector: "sluice.dev/crd-probe=none", limit: 1 })
        .then(
          () => true,
          (error: unknown) => {
            last = (error as Error).message;
            return false;
          },
        );
      if (served) return;
    } else last = "not Established";
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`CustomResourceDefinition ${crd} was not served within ${timeoutMs / 1000}s: ${last}`);
}
