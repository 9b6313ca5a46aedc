// Runs the sluice kernel in the test process with chosen controller setups, logging to a file
// (printed when the test fails) and stopped when the test ends.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import pino from "pino";
import { type RunningSluice, runSluice } from "../../src/app.ts";
import type { ControllerSetup } from "../../src/controller/kernel.ts";
import { parseOptions, type SluiceOptions } from "../../src/options.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { installCrd } from "../tools/crds.ts";
import { ENV, requireEnv } from "./env.ts";
import { TEST_FIELD_MANAGER, testClient } from "./kube.ts";

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
export async function ensureCrd(crd: { metadata: { name: string } }): Promise<void> {
  await installCrd(testClient(), crd, TEST_FIELD_MANAGER);
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
