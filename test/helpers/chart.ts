// Renders charts/sluice with the helm binary the harness builds (no cluster), for the monitoring
// tests: the dashboard ConfigMap, the PrometheusRule.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { binaryPaths } from "../cluster/binaries.ts";

const run = promisify(execFile);
export const repoRoot = resolve(fileURLToPath(import.meta.url), "../../..");
export const chartDir = join(repoRoot, "charts/sluice");
const helm = binaryPaths().helm;
/** A test's `skip` option: the reason when the harness has not built helm. */
export const noHelm = existsSync(helm)
  ? false
  : `no helm binary at ${helm} (npm run cluster:build builds it)`;

export interface ChartObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

/** Runs the harness's helm with its state under .sluice/helm. */
export async function helmRun(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const home = join(repoRoot, ".sluice", "helm");
  return run(helm, args, {
    env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** `helm template rel charts/sluice --namespace <namespace> --set …`, parsed. */
export async function renderChart(set: string[] = [], namespace = "ns"): Promise<ChartObject[]> {
  const { stdout } = await helmRun([
    "template",
    "rel",
    chartDir,
    "--namespace",
    namespace,
    ...set.flatMap((s) => ["--set", s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as ChartObject | null)
    .filter((d): d is ChartObject => d !== null);
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rule groups of the chart's PrometheusRule (its spec: a Prometheus rule file's content). */
export async function renderedRuleGroups(
  set: string[] = [],
): Promise<{ name: string; rules: AlertRule[] }[]> {
  const objects = await renderChart(["metrics.prometheusRule.enabled=true", ...set]);
  const rule = objects.find((o) => o.kind === "PrometheusRule");
  if (!rule) throw new Error("the chart rendered no PrometheusRule");
  return (rule.spec as { groups: { name: string; rules: AlertRule[] }[] }).groups;
}
