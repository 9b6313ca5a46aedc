// A ReplicaSet's template as the API server returns it (defaults filled in) is still recognised as
// made from the Rollout's template, so an upgrade or adoption never redeploys; a real change is not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AppsV1Api } from "@kubernetes/client-node";
import type { PodTemplateSpec } from "../../../src/api/common.ts";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash, templateMatches } from "../../../src/rollout/hash.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";

const template: PodTemplateSpec = {
  metadata: { labels: { app: "web" }, annotations: { team: "a" } },
  spec: {
    containers: [
      {
        name: "web",
        image: "registry.example/web:1.0",
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "0.5", memory: "64Mi" } },
        readinessProbe: { httpGet: { path: "/ready", port: "http" } },
        env: [{ name: "MODE", value: "prod" }],
      },
    ],
  },
};

test("a ReplicaSet read back from the API server matches its template; a changed one does not", async (t) => {
  const namespace = await useNamespace(t, "hash");
  const hash = podTemplateHash(template);
  const labels = { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const apps = testKubeConfig().makeApiClient(AppsV1Api);
  const rs = await apps.createNamespacedReplicaSet({
    namespace,
    body: {
      metadata: { name: `web-${hash}`, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: { ...template, metadata: { ...template.metadata, labels } } as never,
      },
    },
  });
  const live = JSON.parse(JSON.stringify(rs.spec?.template)) as PodTemplateSpec;
  const containers = (live.spec?.containers ?? []) as Record<string, unknown>[];
  const container = containers[0];
  assert.equal(container?.terminationMessagePath, "/dev/termination-log", "the server filled in defaults");
  assert.ok(
    templateMatches(template, live),
    `defaults alone must not look like a new template: ${JSON.stringify(live)}`,
  );

  const changed = structuredClone(template);
  (changed.spec?.containers as Record<string, unknown>[])[0] = {
    ...container,
    image: "registry.example/web:1.1",
  };
  assert.ok(!templateMatches(changed, live));
});
