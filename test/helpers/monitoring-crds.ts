// The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs on the test cluster, so the
// chart's optional monitoring objects are checked by the API server against the real schemas (a
// server-side dry run), as in a cluster running the operator. Read from the Go module the project
// publishes (github.com/prometheus-operator/prometheus-operator at PROMETHEUS_OPERATOR_VERSION in
// test/cluster/versions.env, example/prometheus-operator-crd/), fetched into Go's module cache the
// way the traffic CRDs are (test/cluster/traffic-crds.ts); none of that YAML is copied here. Nothing
// acts on these objects: the harness gives the API, not an operator.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { readVersionsFile } from "../cluster/binaries.ts";
import { goModuleDir } from "../cluster/traffic-crds.ts";
import { CustomResourceDefinitions, type InstalledCrd, waitForCrd } from "../tools/crds.ts";
import { TEST_FIELD_MANAGER, testClient } from "./kube.ts";

export const PROMETHEUS_OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator";
const CRD_DIR = "example/prometheus-operator-crd";
const NAMES = ["servicemonitors", "prometheusrules"];

let installed: Promise<InstalledCrd[]> | undefined;

/** Installs both CRDs (once per test process) and resolves when the API server serves them. */
export function installMonitoringCrds(): Promise<InstalledCrd[]> {
  installed ??= install();
  // A failed install is not remembered: the next call tries again.
  installed.catch(() => {
    installed = undefined;
  });
  return installed;
}

async function install(): Promise<InstalledCrd[]> {
  const version = readVersionsFile()("PROMETHEUS_OPERATOR_VERSION");
  const dir = await goModuleDir(PROMETHEUS_OPERATOR_MODULE, version);
  const client = testClient();
  return Promise.all(
    NAMES.map(async (plural) => {
      const file = join(dir, CRD_DIR, `monitoring.coreos.com_${plural}.yaml`);
      const crd = parse(await readFile(file, "utf8")) as { metadata: { name: string } };
      await client.apply(CustomResourceDefinitions, crd, TEST_FIELD_MANAGER, { force: true });
      return waitForCrd(client, crd.metadata.name);
    }),
  );
}
