// Installing the chart's identity for a test and running sluice as its Deployment runs it (see
// chart-install.ts), and reading what RBAC refused it: shared by the chart's RBAC tests.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Application } from "../../src/api/application.ts";
import { INSTANCE_ID_LABEL } from "../../src/controller/kernel.ts";
import { Applications, type ResourceType } from "../../src/kube/resources.ts";
import {
  type ChartObject,
  type ChartProcess,
  installChartIdentity,
  renderRelease,
  startAsDeployment,
} from "./chart-install.ts";
import { installAnalysisCrds } from "./exporter.ts";
import { testClient, useNamespace } from "./kube.ts";
import { installRolloutCrd } from "./rollouts.ts";
import { ensureCrd } from "./sluice.ts";
import { pending, waitFor } from "./wait.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

/** How the chart is installed: extra --set values, given the namespace the app deploys into. */
export interface Install {
  name: string;
  values: (appNamespace: string) => string[];
  /** Files this install's repository holds besides the app (never removed by a later commit). */
  files?: (appNamespace: string) => Record<string, string>;
  /** Cluster-scoped objects those files make, deleted when the test ends. */
  clusterObjects?: (appNamespace: string) => { type: ResourceType; name: string }[];
}

export interface Installed {
  release: string;
  /** Where the chart is installed and the Application lives. */
  namespace: string;
  /** Where the Application deploys (and sluice watches, with watchNamespace). */
  appNamespace: string;
  sluice: ChartProcess;
  /** The install's own files in Git (Install.files). */
  files: Record<string, string>;
}

/**
 * Renders the chart (ports 0: several controllers share this machine), lets `edit` change the
 * rendered objects, installs its identity and starts the controller as its Deployment would.
 */
export async function install(t: TestContext, how: Install, edit?: (docs: ChartObject[]) => void) {
  await installRolloutCrd();
  await installAnalysisCrds();
  await ensureCrd(parse(await readFile(join(root, "crds/application.yaml"), "utf8")));
  const release = `sluice-${randomBytes(3).toString("hex")}`;
  const namespace = await useNamespace(t, "rbac");
  const appNamespace = await useNamespace(t, "rbac-app");
  // Its own instance: watching all namespaces of this shared cluster, it would otherwise act on
  // other tests' Rollouts and AnalysisRuns too.
  const docs = await renderRelease(release, namespace, [
    "metricsPort=0",
    "webhook.port=0",
    `instanceID=${release}`,
    ...how.values(appNamespace),
  ]);
  edit?.(docs);
  const kubeconfig = await installChartIdentity(t, docs, release, namespace);
  const sluice = await startAsDeployment(t, docs, { kubeconfig, namespace });
  const files = how.files?.(appNamespace) ?? {};
  for (const { type, name } of how.clusterObjects?.(appNamespace) ?? [])
    t.after(() =>
      testClient()
        .delete(type, { name })
        .catch(() => {}),
    );
  return { release, namespace, appNamespace, sluice, files } satisfies Installed;
}

/**
 * The lines of the controller's log that tell of a request RBAC refused ("... is forbidden: User
 * ... cannot ..."); not the 403 of a namespace being deleted ("forbidden: unable to create new
 * content in namespace ... because it is being terminated").
 */
export const refused = (text: string) => /forbidden: User /.test(text);

/**
 * Refusals the controller logged, and those it reported in the Applications' status instead (a
 * look that cannot read or dry-run an object says why there).
 */
export async function refusals(at: Installed): Promise<string[]> {
  const apps = await testClient().list<Application>(Applications, { namespace: at.namespace });
  const reported = apps.items.map((a) => JSON.stringify(a.status ?? {})).filter(refused);
  return [...(await at.sluice.log()).filter(refused), ...reported];
}

/** An Application in the release namespace, deploying `url`'s app/ into `appNamespace` (or `to`). */
export async function createApplication(at: Installed, url: string, name = "demo", to = at.appNamespace) {
  await testClient().create<Application>(
    Applications,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "Application",
      metadata: { name, namespace: at.namespace, labels: { [INSTANCE_ID_LABEL]: at.release } },
      spec: {
        project: "default",
        source: { repoURL: url, targetRevision: "main", path: "app" },
        destination: { server: "https://kubernetes.default.svc", namespace: to },
        syncPolicy: { automated: { prune: true } },
      },
    },
    "test",
  );
}

export const appUntil = (at: Installed, what: string, ok: (a: Application) => boolean, name = "demo") =>
  waitFor(
    what,
    async () => {
      const a = await testClient().get<Application>(Applications, { namespace: at.namespace, name });
      return ok(a)
        ? a
        : pending(
            JSON.stringify({ sync: a.status?.sync, health: a.status?.health, op: a.status?.operationState }),
          );
    },
    { timeoutMs: 45_000 },
  );
