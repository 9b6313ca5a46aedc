// The app the chart's RBAC test deploys from Git and the analysis its Rollout uses
// (test/integration/chart/rbac.test.ts): ConfigMaps, the stable and canary Services, an nginx
// Ingress and a Rollout walked by canary-Ingress weight through background analysis and an analysis
// step (a web metric with a secret-backed argument, a Job metric, a ClusterAnalysisTemplate).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { INSTANCE_ID_LABEL } from "../../src/controller/kernel.ts";
import { AnalysisTemplates, ClusterAnalysisTemplates, Secrets } from "../../src/kube/resources.ts";
import { testClient } from "./kube.ts";
import { podTemplate } from "./rollouts.ts";

export const json = (o: unknown) => `${JSON.stringify(o, null, 1)}\n`;

export const service = (name: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
});

export const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { a: "1" },
});

/** The app in Git: ConfigMaps, Services, the stable Ingress and the Rollout at `image`, for `instance`. */
export function appFiles(
  image: string,
  clusterTemplate: string,
  instance: string,
): Record<string, string | null> {
  const backend = { service: { name: "web-stable", port: { number: 80 } } };
  const rollout = {
    apiVersion: "sluice.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", labels: { [INSTANCE_ID_LABEL]: instance } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: podTemplate(image),
      strategy: {
        canary: {
          canaryService: "web-canary",
          stableService: "web-stable",
          trafficRouting: { nginx: { stableIngress: "web-ing" } },
          analysis: { templates: [{ templateName: "watch" }] },
          steps: [
            { setWeight: 50 },
            {
              analysis: {
                templates: [
                  { templateName: "checks" },
                  { templateName: clusterTemplate, clusterScope: true },
                ],
              },
            },
            { pause: {} },
          ],
        },
      },
    },
  };
  return {
    "app/settings.yaml": json(configMap("settings")),
    "app/obsolete.yaml": json(configMap("obsolete")),
    "app/services.yaml": `${json(service("web-stable"))}---\n${json(service("web-canary"))}`,
    "app/ingress.yaml": json({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web-ing" },
      spec: {
        ingressClassName: "nginx",
        rules: [{ host: "web.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
      },
    }),
    "app/rollout.yaml": json(rollout),
  };
}

/**
 * The analysis the Rollout uses: a web endpoint that wants the Secret's token, templates "checks"
 * (that endpoint and a Job) and "watch" (background), and a ClusterAnalysisTemplate (returned).
 */
export async function analysisFixtures(
  t: TestContext,
  at: { release: string; appNamespace: string },
): Promise<string> {
  const client = testClient();
  const namespace = at.appNamespace;
  const server = createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ ok: req.headers.authorization === "Bearer s3cret" ? 1 : 0, up: 1 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "probe", namespace },
    stringData: { token: "s3cret" },
  };
  await client.create(Secrets, secret, "test");
  const web = (name: string, extra: Record<string, unknown>) => ({
    name,
    successCondition: "result == 1",
    provider: {
      web: { url, jsonPath: "{$.ok}", headers: [{ key: "Authorization", value: "Bearer {{args.token}}" }] },
    },
    ...extra,
  });
  const args = [{ name: "token", valueFrom: { secretKeyRef: { name: "probe", key: "token" } } }];
  const job = {
    backoffLimit: 0,
    template: { spec: { restartPolicy: "Never", containers: [{ name: "smoke", image: "smoke:1" }] } },
  };
  const template = (name: string, metrics: unknown[]) => ({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name, namespace },
    spec: { args, metrics },
  });
  await client.create(
    AnalysisTemplates,
    template("checks", [web("probe", {}), { name: "smoke", provider: { job: { spec: job } } }]),
    "test",
  );
  await client.create(AnalysisTemplates, template("watch", [web("steady", { interval: "1s" })]), "test");
  // Cluster-scoped: in the one-namespace install only the chart's extra ClusterRole grants it.
  const name = `${at.release}-up`;
  const metrics = [
    { name: "up", successCondition: "result == 1", provider: { web: { url, jsonPath: "{$.up}" } } },
  ];
  await client.create(
    ClusterAnalysisTemplates,
    {
      apiVersion: "sluice.dev/v1alpha1",
      kind: "ClusterAnalysisTemplate",
      metadata: { name },
      spec: { metrics },
    },
    "test",
  );
  t.after(() => client.delete(ClusterAnalysisTemplates, { name }).catch(() => {}));
  return name;
}
