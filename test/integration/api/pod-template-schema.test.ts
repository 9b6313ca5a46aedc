// The pod template schema embedded in the Rollout CRD, against the real API server: it is what this
// API server publishes (drift), a CRD embedding it is accepted, and a realistic template round-trips
// with nothing pruned while a wrongly typed one is refused.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type JsonSchema, structuralSchemaFor } from "../../../src/api/crd/openapi.ts";
import { testKubeConfig, useNamespace } from "../../helpers/kube.ts";
import { ensureCrd } from "../../helpers/sluice.ts";
import {
  fetchCoreOpenApi,
  POD_TEMPLATE_SCHEMA_PATH,
  POD_TEMPLATE_SPEC,
} from "../../tools/gen-pod-template-schema.ts";

const GROUP = "podschema.test.sluice.dev";
const holders = (namespace: string) => ({ group: GROUP, version: "v1", namespace, plural: "holders" });

async function committedSchema(): Promise<JsonSchema> {
  return JSON.parse(await readFile(POD_TEMPLATE_SCHEMA_PATH, "utf8")) as JsonSchema;
}

/** The path of the first difference between two JSON values, or undefined when equal. */
function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Object.is(a, b) ? undefined : path;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const diff = firstDifference((a as JsonSchema)[key], (b as JsonSchema)[key], `${path}.${key}`);
    if (diff) return diff;
  }
  return undefined;
}

test("the committed pod template schema is the one this API server's OpenAPI gives", async () => {
  const live = structuralSchemaFor(await fetchCoreOpenApi(testKubeConfig()), POD_TEMPLATE_SPEC);
  const committed = await committedSchema();
  // Compared as canonical JSON, so only content counts (the committed file is biome-formatted).
  const differs = JSON.stringify(committed) !== JSON.stringify(live);
  assert.ok(
    !differs,
    `src/api/crd/pod-template-spec.schema.json is stale (first difference at ${firstDifference(committed, live)}): ` +
      "run `npm run gen:pod-schema` and commit the result",
  );
});

async function ensureHolderCrd(): Promise<void> {
  const template = await committedSchema();
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `holders.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { plural: "holders", singular: "holder", kind: "Holder", listKind: "HolderList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", properties: { template } },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
  await ensureCrd(crd);
}

/** A template with the fields real Deployments carry, in every shape the schema rewrites. */
function realisticTemplate(): JsonSchema {
  return {
    metadata: {
      labels: { app: "web", "app.kubernetes.io/version": "1.2.3" },
      annotations: { "prometheus.io/scrape": "true", "sluice.dev/note": "round-trip" },
    },
    spec: {
      serviceAccountName: "web",
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: "web",
          image: "registry.example/web:1.2.3",
          imagePullPolicy: "IfNotPresent",
          args: ["--port=8080"],
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "dns", containerPort: 5353, protocol: "UDP" },
          ],
          env: [
            { name: "MODE", value: "prod" },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "TOKEN", valueFrom: { secretKeyRef: { name: "web", key: "token", optional: true } } },
            { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: 1, memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: "/live", port: 8080, scheme: "HTTP" }, failureThreshold: 3 },
          volumeMounts: [
            { name: "config", mountPath: "/etc/web", readOnly: true },
            { name: "cache", mountPath: "/cache" },
          ],
          securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        },
        {
          name: "sidecar",
          image: "registry.example/proxy:0.9",
          ports: [{ containerPort: 9901 }],
          resources: { requests: { cpu: "50m", memory: "32Mi" } },
          readinessProbe: { tcpSocket: { port: 9901 }, initialDelaySeconds: 2 },
        },
      ],
      volumes: [
        { name: "config", configMap: { name: "web-config", items: [{ key: "app.yaml", path: "app.yaml" }] } },
        { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      ],
      tolerations: [{ key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }],
              },
            ],
          },
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: "kubernetes.io/hostname",
                labelSelector: { matchLabels: { app: "web" } },
              },
            },
          ],
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { app: "web" } },
        },
      ],
    },
  };
}

function holder(name: string, template: unknown): JsonSchema {
  return { apiVersion: `${GROUP}/v1`, kind: "Holder", metadata: { name }, spec: { template } };
}

test("a CRD embedding the schema is accepted and a realistic template round-trips unpruned", async (t) => {
  await ensureHolderCrd();
  const namespace = await useNamespace(t, "podschema");
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  const template = realisticTemplate();
  // Strict field validation turns any field the schema would prune into an error, not a warning.
  await api.createNamespacedCustomObject({
    ...holders(namespace),
    body: holder("realistic", template),
    fieldValidation: "Strict",
  });
  const live = (await api.getNamespacedCustomObject({ ...holders(namespace), name: "realistic" })) as {
    spec: { template: unknown };
  };
  assert.deepEqual(live.spec.template, template);
});

test("a template with a wrongly typed field is refused with 422", async (t) => {
  await ensureHolderCrd();
  const namespace = await useNamespace(t, "podschema");
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  const refused = (template: unknown, field: RegExp) =>
    assert.rejects(
      api.createNamespacedCustomObject({ ...holders(namespace), body: holder("bad", template) }),
      (error: { code?: number; body?: unknown }) => {
        assert.equal(error.code, 422);
        assert.match(String(error.body), field);
        return true;
      },
    );
  await refused({ spec: { containers: "x" } }, /spec\.template\.spec\.containers/);
  await refused(
    { metadata: { labels: { replicas: 3 } }, spec: { containers: [] } },
    /metadata\.labels\.replicas/,
  );
  // Quantities are int-or-string in a CRD: a fractional number must be written as a string.
  const fractional = { spec: { containers: [{ name: "c", resources: { limits: { cpu: 0.5 } } }] } };
  await refused(fractional, /limits\.cpu/);
});
