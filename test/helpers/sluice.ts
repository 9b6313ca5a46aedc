// Runs the sluice kernel in the test process with chosen controller setups, logging to a file
// (printed when the test fails) and stopped when the test ends.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ApiextensionsV1Api } from "@kubernetes/client-node";
import pino from "pino";
import { type RunningSluice, runSluice } from "../../src/app.ts";
import type { ControllerSetup } from "../../src/controller/kernel.ts";
import { parseOptions, type SluiceOptions } from "../../src/options.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { ENV, requireEnv } from "./env.ts";
import { testClient, testKubeConfig } from "./kube.ts";
import { pending, waitFor } from "./wait.ts";

export async function startSluice(
  t: TestContext,
  setups: ControllerSetup[],
  overrides: Partial<SluiceOptions> = {},
): Promise<RunningSluice & { logFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-test-log-"));
  const logFile = join(dir, "sluice.log");
  const options: SluiceOptions = {
    ...parseOptions([], {}),
    kubeconfig: requireEnv(ENV.kubeconfig),
    metricsAddr: "127.0.0.1:0",
    leaderElect: false,
    logLevel: "debug",
    ...overrides,
  };
  const sluice = await runSluice(
    options,
    setups,
    createLogger(options.logLevel, { destination: pino.destination({ dest: logFile }) }),
  );
  t.after(() => sluice.stop());
  t.diagnostic(`sluice log: ${logFile}`);
  return { ...sluice, logFile };
}

/** Server-side applies a CRD and waits until the API server serves it. */
const CRDS = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

export async function ensureCrd(crd: { metadata: { name: string } }): Promise<void> {
  await testClient().apply(CRDS, crd, "sluice-test", { force: true });
  const ext = testKubeConfig().makeApiClient(ApiextensionsV1Api);
  await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
    const live = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
    const established = live.status?.conditions?.find((c) => c.type === "Established")?.status;
    return established === "True" ? true : pending(`Established=${established}`);
  });
  // Established can come a moment before the resource's handler answers: list it (a selector
  // that matches nothing keeps that cheap) until it does.
  const live = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
  const version = live.spec.versions.find((v) => v.served)?.name ?? live.spec.versions[0]?.name ?? "";
  const type = {
    group: live.spec.group,
    version,
    plural: live.spec.names.plural,
    kind: live.spec.names.kind,
    namespaced: live.spec.scope === "Namespaced",
  };
  await waitFor(`CRD ${crd.metadata.name} served`, async () => {
    try {
      await testClient().list(type, { labelSelector: "sluice.dev/crd-probe=none" });
      return true;
    } catch (error) {
      return pending(error instanceof Error ? error.message : String(error));
    }
  });
}

/** Reads one sample from a sluice /metrics endpoint, e.g. metricValue(port, 'x_total{a="b"}'). */
export async function metricValue(port: number, series: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}
