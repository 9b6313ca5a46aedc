// Installs CustomResourceDefinitions as sluice needs them: by server-side apply (they are too large
// for the last-applied annotation of a client-side apply), then waiting until the API server
// reports each Established and answers for its kind, so an informer started next lists without a
// 404. Shared by `npm run dev` (apply-crds.ts) and the tests' ensureCrd.
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../../src/kube/client.ts";
import { loadKubeConfig } from "../../src/kube/config.ts";
import type { ResourceType } from "../../src/kube/resources.ts";
import { KubeTransport } from "../../src/kube/transport.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { VERSION } from "../../src/version.ts";
import { pending, waitFor } from "../helpers/wait.ts";

export const CRD_DIR = resolve(fileURLToPath(import.meta.url), "../../../crds");
export const DEV_FIELD_MANAGER = "sluice-dev";

export const CustomResourceDefinitions: ResourceType = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: string;
    names: { plural: string; kind: string };
    versions: { name: string; served: boolean }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface InstalledCrd {
  name: string;
  kind: string;
  /** group/version of the first served version. */
  apiVersion: string;
}

/** Server-side applies one CRD (forcing ownership of its fields) and waits until it is served. */
export async function installCrd(
  client: KubeClient,
  crd: { metadata: { name: string } },
  fieldManager: string,
  timeoutMs = 60_000,
): Promise<InstalledCrd> {
  await client.apply(CustomResourceDefinitions, crd, fieldManager, { force: true });
  return waitForCrd(client, crd.metadata.name, timeoutMs);
}

/** Waits until the CRD `name` is Established and the API server answers for its kind. */
export async function waitForCrd(
  client: KubeClient,
  name: string,
  timeoutMs = 60_000,
): Promise<InstalledCrd> {
  const live = await waitFor(
    `CRD ${name} Established`,
    async () => {
      const got = await client.get<Crd>(CustomResourceDefinitions, { name });
      const established = got.status?.conditions?.find((c) => c.type === "Established")?.status;
      return established === "True" ? got : pending(`Established=${established}`);
    },
    { timeoutMs },
  );
  const version = live.spec.versions.find((v) => v.served)?.name ?? live.spec.versions[0]?.name ?? "";
  const type: ResourceType = {
    group: live.spec.group,
    version,
    plural: live.spec.names.plural,
    kind: live.spec.names.kind,
    namespaced: live.spec.scope === "Namespaced",
  };
  // Established can come a moment before the kind's handler answers: list it (a selector that
  // matches nothing keeps that cheap) until it does. A throwing probe counts as not yet.
  await waitFor(
    `CRD ${name} served`,
    () => client.list(type, { labelSelector: "sluice.dev/crd-probe=none", limit: 1 }),
    { timeoutMs },
  );
  return { name, kind: type.kind, apiVersion: `${type.group}/${version}` };
}

/** Every document of every .yaml file in `dir`, in file-name order; anything but a CRD is an error. */
export async function readCrds(dir: string): Promise<{ metadata: { name: string } }[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const crds: { metadata: { name: string } }[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      if (doc.errors[0]) throw new Error(`${join(dir, file)}: ${doc.errors[0].message}`);
      const object = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (object === null) continue;
      const name = object.metadata?.name;
      if (object.kind !== "CustomResourceDefinition" || !name) {
        throw new Error(`${join(dir, file)}: expected CustomResourceDefinitions with a name only`);
      }
      crds.push({ ...object, metadata: { ...object.metadata, name } });
    }
  }
  return crds;
}

/**
 * What `npm run dev` runs before sluice: installs every CRD in `dir` (default crds/) on the
 * cluster of `kubeconfig` with the field manager sluice-dev. Applying again changes nothing.
 */
export async function installDevCrds(
  kubeconfig: string | undefined,
  dir: string = CRD_DIR,
): Promise<InstalledCrd[]> {
  const transport = new KubeTransport(loadKubeConfig(kubeconfig), { userAgent: `sluice-dev/${VERSION}` });
  try {
    const client = new KubeClient(transport);
    // Applied together: the API server establishes them in parallel.
    return await Promise.all((await readCrds(dir)).map((crd) => installCrd(client, crd, DEV_FIELD_MANAGER)));
  } finally {
    transport.close();
  }
}
