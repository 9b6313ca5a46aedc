// The Gateway API and Istio CRDs on the test cluster, for tests of sluice's traffic routers. What
// is installed, from which Go modules, and why: test/cluster/traffic-crds.ts.
import { createHash } from "node:crypto";
import { KubeError } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { type TrafficCrdSource, trafficCrds } from "../cluster/traffic-crds.ts";
import { CustomResourceDefinitions, type InstalledCrd, waitForCrd } from "../tools/crds.ts";
import { TEST_FIELD_MANAGER, testClient } from "./kube.ts";

export interface InstalledTrafficCrd extends InstalledCrd {
  /** The Go module and version it came from, e.g. istio.io/api@v1.32.0. */
  module: string;
  /** The YAML file in Go's module cache. */
  file: string;
}

/** On each installed CRD: a digest of what was applied, so an unchanged one is not applied again. */
export const DIGEST_LABEL = "test.sluice.dev/crd-digest";

let installed: Promise<InstalledTrafficCrd[]> | undefined;

/**
 * Installs the Gateway API (HTTPRoute, GRPCRoute, ...) and Istio (VirtualService, DestinationRule)
 * CRDs on the test cluster by server-side apply, and resolves once the API server reports each
 * Established and answers for its kind. Idempotent: a CRD already applied from the same YAML (its
 * DIGEST_LABEL says so) is not applied again, and within one test process the work is done once.
 * Call it first thing in a test that creates such objects:
 *
 *   const crds = await installTrafficCrds();   // crds[i].apiVersion is the first served version
 */
export function installTrafficCrds(timeoutMs = 120_000): Promise<InstalledTrafficCrd[]> {
  if (!installed) {
    installed = install(timeoutMs);
    // A failed install is not remembered: the next call tries again.
    installed.catch(() => {
      installed = undefined;
    });
  }
  return installed;
}

async function install(timeoutMs: number): Promise<InstalledTrafficCrd[]> {
  const sources = await trafficCrds();
  const client = testClient();
  // Together: the API server establishes them in parallel.
  return Promise.all(
    sources.map(async ({ module, file, crd }: TrafficCrdSource) => {
      const name = crd.metadata.name;
      // A server-side apply of these large CRDs costs the API server a few hundred ms of CPU each
      // even when it changes nothing, so one already applied from the same YAML is left as it is.
      const digest = createHash("sha256").update(JSON.stringify(crd)).digest("hex").slice(0, 32);
      const live = await client
        .get<KubeObject>(CustomResourceDefinitions, { name })
        .catch((error: unknown) => {
          if (error instanceof KubeError && error.reason === "NotFound") return undefined;
          throw error;
        });
      if (live?.metadata?.labels?.[DIGEST_LABEL] !== digest) {
        const labels = {
          ...(crd.metadata as { labels?: Record<string, string> }).labels,
          [DIGEST_LABEL]: digest,
        };
        const body = { ...crd, metadata: { ...crd.metadata, labels } };
        await client.apply(CustomResourceDefinitions, body, TEST_FIELD_MANAGER, { force: true });
      }
      return { ...(await waitForCrd(client, name, timeoutMs)), module, file };
    }),
  );
}
